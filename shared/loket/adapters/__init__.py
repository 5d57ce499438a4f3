"""Adapters: thin wrappers over AWS clients (SES, S3, SQS), created lazily and once per process."""
