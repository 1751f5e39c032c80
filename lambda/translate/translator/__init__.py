"""Plain-Python translation front end: text processing and the SageMaker endpoint client (no Lambda types)."""
