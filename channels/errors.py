"""The channel framework's errors: messages a manager can act on."""


class ChannelError(Exception):
    pass


class ConnectionInvalid(ChannelError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
