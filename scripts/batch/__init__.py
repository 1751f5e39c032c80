"""Bulk translation on SageMaker Batch Transform: input formats, pre- and post-processing, the job."""
