"""Services: glue between the database, the ingest pipeline and the pure cores."""
