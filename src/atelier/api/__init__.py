"""HTTP API: FastAPI app factory, routers per resource, auth, schemas and errors."""
