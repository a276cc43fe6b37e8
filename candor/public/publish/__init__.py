"""Publishing the public site to object storage or a directory, continuously (docs/publishing.md).

targets.py parses the target URLs (settings.py uses it, so it imports nothing of Candor's);
site.py is what is published (the files of `candor export`, with their headers); stores.py talks
to S3 and to a directory; run.py diffs and uploads; jobs.py is the worker's job and the rows'
bookkeeping.
"""
