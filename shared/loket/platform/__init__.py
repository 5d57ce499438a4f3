"""Platform: settings, AWS clients, observability and signing. Imports nothing else of Loket."""
