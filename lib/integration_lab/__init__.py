"""The integration lab: faithful fakes (fakes/), our side of each wire (app/), and what both share (runtime/)."""

__all__ = ["setup"]


def __getattr__(name):  # keep `import integration_lab` cheap: setup pulls in redis, time-machine and pandas
    if name == "setup":
        from .notebook.lab import setup

        return setup
    raise AttributeError(name)
