"""Reading monitoring payloads (parse.py) and choosing what an alert holds (mapping.py): pure
functions, no writes; candor.core.services.alerts acts on what they answer."""
