package redisledger

import "github.com/redis/go-redis/v9"

// The Lua scripts below are the ledger's only writers. Each runs atomically
// on the Redis primary, so every Reserve, Settle, Release and Expire is one
// round trip (EVALSHA; go-redis's Script.Run falls back to EVAL, which loads
// the script, when the server answers NOSCRIPT — after a restart or a
// SCRIPT FLUSH). A script checks everything that can refuse a call before
// its first write, and no write can fail afterwards (HINCRBY on spend runs
// under pcall and saturates), so a refused call changes nothing: Redis does
// not roll back a script that fails half-way.
//
// Key layout, all under one hash tag {ns} so that a script's keys share a
// Redis Cluster slot:
//
//	{ns}:a:<account>:<period start, Unix ns | "life">  hash {spent, held}
//	{ns}:h:<hold id>                                   string "<call token>ÿ<amount>ÿ<deadline µs>ÿ<account key>ÿ…" (ÿ: the byte 0xFF),
//	                                                   or "~<call token>" for ReplayWindow after a settle or release
//	{ns}:d                                             sorted set: hold id → deadline (Unix µs)
//
// A hold's fields are separated by the byte 0xFF, which no UTF-8 text (and
// so no account name or namespace) contains. Amounts travel as decimal strings and are added with HINCRBY (exact
// 64-bit integers). Limits are compared exactly by splitting each decimal
// into two parts below 10¹⁰ and 10⁹, which Lua's doubles hold exactly; Lua
// numbers are never passed back to redis.call, whose number formatting is
// version-dependent. The scripts touch as few keys as they can: a period
// key's TTL is only set when the key is created or a hold's deadline runs
// past the period's end.

// luaCommon holds the helpers; it is prepended to every script.
const luaCommon = `
local MAX = '9223372036854775807'

-- split returns x (a decimal string of an integer in [0, 2^63), or false
-- for 0) as hi, lo with x = hi·10^9 + lo, both exact in a double.
local function split(x)
  if not x then return 0, 0 end
  local n = #x
  if n <= 9 then return 0, tonumber(x) end
  return tonumber(string.sub(x, 1, n - 9)), tonumber(string.sub(x, n - 8))
end

-- fits reports s + h + a ≤ l exactly: directly when every value has at
-- most 15 digits (their sum stays below 2^53), else in two parts.
local function fits(s, h, a, l)
  if #(s or '') < 16 and #(h or '') < 16 and #a < 16 and #l < 16 then
    return (tonumber(s) or 0) + (tonumber(h) or 0) + tonumber(a) <= tonumber(l)
  end
  local sh, sl = split(s)
  local hh, hl = split(h)
  local ah, al = split(a)
  local lh, ll = split(l)
  local lo = sl + hl + al
  local hi = sh + hh + ah + math.floor(lo / 1e9)
  lo = lo % 1e9
  return hi < lh or (hi == lh and lo <= ll)
end

-- parse splits a live hold's value into token, amount, deadline and the
-- account keys; nil for a tombstone or a missing hold.
local function parse(v)
  if not v or string.sub(v, 1, 1) == '~' then return nil end
  local f = {}
  for x in string.gmatch(v, '[^\255]+') do f[#f + 1] = x end
  return f
end

-- drop releases the hold with fields f (and charges spend, if given),
-- leaving its key and deadline entry to the caller.
local function drop(f, spend)
  local amt = f[2]
  for i = 4, #f do
    local k = f[i]
    if amt ~= '0' then
      -- held ≥ amt on a live period key, so a negative result means the
      -- key had expired (its period is over) and HINCRBY just made it.
      if redis.call('HINCRBY', k, 'held', '-' .. amt) < 0 then
        redis.call('DEL', k)
        k = nil
      end
    elseif redis.call('EXISTS', k) == 0 then
      k = nil
    end
    if k and spend then
      local r = redis.pcall('HINCRBY', k, 'spent', spend)
      if type(r) == 'table' and r.err then redis.call('HSET', k, 'spent', MAX) end
    end
  end
end

local function expire(dk, prefix, now, batch)
  local ids = redis.call('ZRANGEBYSCORE', dk, '-inf', now, 'LIMIT', 0, batch)
  local n = 0
  for _, id in ipairs(ids) do
    local hk = prefix .. id
    local f = parse(redis.call('GET', hk))
    if f then
      drop(f, nil)
      redis.call('DEL', hk)
      n = n + 1
    end
    redis.call('ZREM', dk, id)
  end
  return {n, #ids}
end
`

// reserveScript: KEYS = {deadlines, hold, account keys…};
// ARGV = {now µs, deadline µs, amount, hold-key prefix, id, expire batch,
// call token, then per account: limit, TTL ms (0 = never expires), "1" if
// the deadline is past the period's end (the TTL may need extending) else
// "0"}. Returns {0} on success (or a replay of the same call: same token),
// {1, index, spent, held} (spent and held as strings) when account index
// (1-based) lacks room, {2} for an ID in use by another live hold.
var reserveScript = redis.NewScript(luaCommon + `
expire(KEYS[1], ARGV[4], ARGV[1], tonumber(ARGV[6]))
local n = #KEYS - 2
local val = ARGV[7] .. '\255' .. ARGV[3] .. '\255' .. ARGV[2] .. '\255' .. table.concat(KEYS, '\255', 3)
local old = redis.call('GET', KEYS[2])
if old and string.sub(old, 1, 1) ~= '~' then
  if old == val then return {0} end
  return {2}
end
local fresh = {}
for i = 1, n do
  local v = redis.call('HMGET', KEYS[i + 2], 'spent', 'held')
  if not fits(v[1], v[2], ARGV[3], ARGV[5 + 3 * i]) then
    return {1, i, v[1] or '0', v[2] or '0'}
  end
  fresh[i] = not v[1] and not v[2]
end
local maxttl, forever = 0, false
for i = 1, n do
  local k = KEYS[i + 2]
  redis.call('HINCRBY', k, 'held', ARGV[3])
  local ttl = tonumber(ARGV[6 + 3 * i])
  if ttl > 0 then
    if fresh[i] or (ARGV[7 + 3 * i] == '1' and redis.call('PTTL', k) < ttl) then
      redis.call('PEXPIRE', k, ARGV[6 + 3 * i])
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
// hold: KEYS = {deadlines, hold}; ARGV = {id, actual, call token, replay
// window ms, now µs}. A hold whose deadline is at or before now has
// expired: it is released and the call refused. A finished hold's key is
// replaced by a tombstone holding the call's token, so that a client retry
// of the same call (same token) succeeds without charging twice while any
// other call finds the hold not live. Returns 0, or 1 for a hold that is
// not live.
var finishScript = redis.NewScript(luaCommon + `
local v = redis.call('GET', KEYS[2])
if v and v == '~' .. ARGV[3] then return 0 end
local f = parse(v)
redis.call('ZREM', KEYS[1], ARGV[1])
if not f then return 1 end
if tonumber(f[3]) <= tonumber(ARGV[5]) then
  drop(f, nil)
  redis.call('DEL', KEYS[2])
  return 1
end
local spend = nil
if ARGV[2] ~= '' then spend = ARGV[2] end
drop(f, spend)
redis.call('SET', KEYS[2], '~' .. ARGV[3], 'PX', ARGV[4])
return 0
`)

// expireScript: KEYS = {deadlines}; ARGV = {now µs, hold-key prefix,
// batch}. Returns {released, deadlines examined}.
var expireScript = redis.NewScript(luaCommon + `
return expire(KEYS[1], ARGV[2], ARGV[1], tonumber(ARGV[3]))
`)
