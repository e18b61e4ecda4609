-- Release a lock only if we still hold it (compare-and-delete): after our lock expired and someone
-- else took it, a plain DEL would free their lock.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
