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
//	{ns}:h:<hold id>                                   hash {amt, n, 1…n = account keys}
//	{ns}:d                                             sorted set: hold id → deadline (Unix µs)
//
// Amounts travel as decimal strings and are added with HINCRBY (exact
// 64-bit integers); Lua numbers (doubles) are used only to compare, which is
// exact while values stay below 2⁵³. Lua numbers are never passed back to
// redis.call, whose number formatting is version-dependent.

// luaCommon releases holds; it is prepended to every script.
const luaCommon = `
local function drop(hk, spend)
  local f = redis.call('HGETALL', hk)
  if #f == 0 then return false end
  local m = {}
  for i = 1, #f, 2 do m[f[i]] = f[i + 1] end
  for i = 1, tonumber(m['n']) do
    local k = m[tostring(i)]
    if redis.call('EXISTS', k) == 1 then
      if m['amt'] ~= '0' then redis.call('HINCRBY', k, 'held', '-' .. m['amt']) end
      if spend then redis.call('HINCRBY', k, 'spent', spend) end
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
// then per account: limit, TTL ms (0 = never expires)}.
// Returns {0} on success (or an identical replay), {1, index, spent, held}
// when account index (1-based) lacks room, {2} for an ID in use by a
// different hold.
var reserveScript = redis.NewScript(luaCommon + `
expire(KEYS[1], ARGV[4], ARGV[1], tonumber(ARGV[6]))
local n = #KEYS - 2
if redis.call('EXISTS', KEYS[2]) == 1 then
  local f = redis.call('HMGET', KEYS[2], 'amt', 'n')
  if f[1] ~= ARGV[3] or tonumber(f[2]) ~= n then return {2} end
  for i = 1, n do
    if redis.call('HGET', KEYS[2], tostring(i)) ~= KEYS[i + 2] then return {2} end
  end
  return {0}
end
local amount = tonumber(ARGV[3])
for i = 1, n do
  local v = redis.call('HMGET', KEYS[i + 2], 'spent', 'held')
  local s, h = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  if s + h + amount > tonumber(ARGV[5 + 2 * i]) then return {1, i, s, h} end
end
local hold = {'amt', ARGV[3], 'n', tostring(n)}
local maxttl, forever = 0, false
for i = 1, n do
  local k = KEYS[i + 2]
  redis.call('HINCRBY', k, 'held', ARGV[3])
  local ttl = tonumber(ARGV[6 + 2 * i])
  if ttl > 0 then
    if redis.call('PTTL', k) < ttl then redis.call('PEXPIRE', k, ARGV[6 + 2 * i]) end
    if ttl > maxttl then maxttl = ttl end
  else
    forever = true
  end
  hold[#hold + 1] = tostring(i)
  hold[#hold + 1] = k
end
redis.call('HSET', KEYS[2], unpack(hold))
if not forever then redis.call('PEXPIRE', KEYS[2], tostring(maxttl)) end
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
