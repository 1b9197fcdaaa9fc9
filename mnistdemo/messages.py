"""Errors a person can fix: a stable message id and parameters for the UI, and the English text for everyone else."""


class UserError(ValueError):
    """A ValueError whose text the UI looks up by `key` (in mnistdemo/ui/lang/) and fills in with `params`.

    `str(error)` is the English text, for the command line, the HTTP API and logs."""

    def __init__(self, key: str, english: str, **params):
        super().__init__(english.format(**params) if params else english)
        self.key = key
        self.params = params
