package redisledger

import "github.com/redis/go-redis/v9"

// The Lua scripts below are the ledger's only writers. Each runs atomically
// on the Redis primary, so every Reserve, Settle, Release and Expire is one
// round trip (EVALSHA; go-redis's Script.Run falls back to EVAL, which loads
// the script, when the server answers NOSCRIPT — after a restart or a
// SCRIPT FLUSH).
//
// Key layout, all under one hash tag {ns} so that a script's keys share a
// Redis Cluster slot:
//
//	{ns}:a:<account>:<period start, Unix ns | "life">  hash {spent, held}
//	{ns}:h:<hold id>                                   string "<amount>\n<account key>\n…"
//	{ns}:d                                             sorted set: hold id → deadline (Unix µs)
//
// Amounts travel as decimal strings and are added with HINCRBY (exact
// 64-bit integers); Lua numbers (doubles) are used only to compare, which is
// exact while values stay below 2⁵³. Lua numbers are never passed back to
// redis.call, whose number formatting is version-dependent. The scripts
// touch as few keys as they can: a period key's TTL is only set when the key
// is created or a hold's deadline runs past the period's end.

// luaCommon releases holds; it is prepended to every script.
const luaCommon = `
local function drop(hk, spend)
  local v = redis.call('GET', hk)
  if not v then return false end
  local amt = nil
  for k in string.gmatch(v, '[^\n]+') do
    if not amt then
      amt = k
    elseif amt ~= '0' then
      -- held ≥ amt on a live period key, so a negative result means the
      -- key had expired (its period is over) and HINCRBY just made it.
      if redis.call('HINCRBY', k, 'held', '-' .. amt) < 0 then
        redis.call('DEL', k)
      elseif spend then
        redis.call('HINCRBY', k, 'spent', spend)
      end
    elseif spend and redis.call('EXISTS', k) == 1 then
      redis.call('HINCRBY', k, 'spent', spend)
    end
  end
  redis.call('DEL', hk)
  return true
end

local function expire(dk, prefix, now, batch)
  local ids = redis.call('ZRANGEBYSCORE', dk, '-inf', now, 'LIMIT', 0, batch)
  local n = 0
  for _, id in ipairs(ids) do
    if drop(prefix .. id, nil) then n = n + 1 end
    redis.call('ZREM', dk, id)
  end
  return {n, #ids}
end
`

// reserveScript: KEYS = {deadlines, hold, account keys…};
// ARGV = {now µs, deadline µs, amount, hold-key prefix, id, expire batch,
// then per account: limit, TTL ms (0 = never expires), "1" if the deadline
// is past the period's end (the TTL may need extending) else "0"}.
// Returns {0} on success (or an identical replay), {1, index, spent, held}
// when account index (1-based) lacks room, {2} for an ID in use by a
// different hold.
var reserveScript = redis.NewScript(luaCommon + `
expire(KEYS[1], ARGV[4], ARGV[1], tonumber(ARGV[6]))
local n = #KEYS - 2
local val = ARGV[3] .. '\n' .. table.concat(KEYS, '\n', 3)
local old = redis.call('GET', KEYS[2])
if old then
  if old == val then return {0} end
  return {2}
end
local amount = tonumber(ARGV[3])
local fresh = {}
for i = 1, n do
  local v = redis.call('HMGET', KEYS[i + 2], 'spent', 'held')
  local s, h = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  if s + h + amount > tonumber(ARGV[4 + 3 * i]) then return {1, i, s, h} end
  fresh[i] = not v[1] and not v[2]
end
local maxttl, forever = 0, false
for i = 1, n do
  local k = KEYS[i + 2]
  redis.call('HINCRBY', k, 'held', ARGV[3])
  local ttl = tonumber(ARGV[5 + 3 * i])
  if ttl > 0 then
    if fresh[i] or (ARGV[6 + 3 * i] == '1' and redis.call('PTTL', k) < ttl) then
      redis.call('PEXPIRE', k, ARGV[5 + 3 * i])
    end
    if ttl > maxttl then maxttl = ttl end
  else
    forever = true
  end
end
if forever then
  redis.call('SET', KEYS[2], val)
else
  redis.call('SET', KEYS[2], val, 'PX', tostring(maxttl))
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[5])
return {0}
`)

// finishScript settles (ARGV[2] = actual) or releases (ARGV[2] = "") a
// hold: KEYS = {deadlines, hold}; ARGV = {id, actual}. Returns 0, or 1 for
// a hold that is not live.
var finishScript = redis.NewScript(luaCommon + `
local spend = nil
if ARGV[2] ~= '' then spend = ARGV[2] end
local ok = drop(KEYS[2], spend)
redis.call('ZREM', KEYS[1], ARGV[1])
if ok then return 0 end
return 1
`)

// expireScript: KEYS = {deadlines}; ARGV = {now µs, hold-key prefix,
// batch}. Returns {released, deadlines examined}.
var expireScript = redis.NewScript(luaCommon + `
return expire(KEYS[1], ARGV[2], ARGV[1], tonumber(ARGV[3]))
`)
