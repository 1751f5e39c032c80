"""Staging the model into the model bucket: sources, artifact checks, the all-or-nothing S3 write, versions."""
