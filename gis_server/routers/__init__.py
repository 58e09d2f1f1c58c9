"""One router per building block; `gis_server.app` composes them."""
