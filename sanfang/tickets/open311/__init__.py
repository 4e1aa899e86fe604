"""The Open311 GeoReport v2 endpoint (``/open311/v2/``): categories as services, cases as
service requests, so a client written for Open311 works unchanged. See README.md here."""
