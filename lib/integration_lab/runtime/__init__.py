"""What fakes and app share: the clock, id factories, parameters and the Redis backend."""
