"""The `onemap` command line: one Typer app; each module adds its own commands with `register(app)`."""
