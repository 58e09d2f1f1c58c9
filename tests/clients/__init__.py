"""Tests against real third-party clients (GDAL, OWSLib, schemathesis) over a running server."""
