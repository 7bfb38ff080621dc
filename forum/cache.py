"""Django's Redis cache, with one client per connection pool.

Django's ``RedisCache`` makes a new ``redis.Redis`` client for every cache call, and making
one (it fills a table of some 170 reply handlers) costs about as much as the call itself.
A client can be shared: it takes a connection from its pool for each command, and the pool
starts afresh in a forked process. Settings use this backend when ``REDIS_URL`` is set.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # by id() of their pool, which lives as long as this object

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
