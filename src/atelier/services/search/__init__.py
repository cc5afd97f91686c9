"""Search: hybrid keyword + vector retrieval of images and LoRAs, with exact filters."""
