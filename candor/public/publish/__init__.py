"""Publishing the public site to object storage or a directory, continuously (docs/publishing.md).

targets.py parses the target URLs (settings.py uses it, so it imports nothing of Candor's);
stores.py talks to S3 and to a directory; run.py diffs the files of `candor export` against what
a target holds and uploads them, with their headers, deletions last; ledger.py is the worker's
job and the PublishTarget rows' bookkeeping; errors.py words a failure for Page settings and the
log.
"""
