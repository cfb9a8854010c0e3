package mock

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Keys of the scenario state, after the prefix:
//
//	cc:lru      sorted set: the sessions with call counts, by last use
//	cc:s:NAME   hash: a session's counts, field SCENARIO\x1fRULE
//	cc:evicted  sessions forgotten for room
//	sc:global   the server's scenario ("" cleared; absent: the default)
//	sc:lru      sorted set: the sessions with a scenario of their own
//	sc:by       hash: session -> scenario
//	sc:evicted  sessions' choices forgotten for room

var (
	// ARGV: prefix, session, field, max
	counterNextScript = redis.NewScript(luaLRU + `
local s = ARGV[2]
local ev = touch(p .. 'cc:lru', s, tonumber(ARGV[4]), p .. 'cc:evicted',
  function(old) redis.call('DEL', p .. 'cc:s:' .. old) end)
return {redis.call('HINCRBY', p .. 'cc:s:' .. s, ARGV[3], 1), ev}`)
	// ARGV: prefix, session, max
	counterStartScript = redis.NewScript(luaLRU + `
local s = ARGV[2]
local ev = touch(p .. 'cc:lru', s, tonumber(ARGV[3]), p .. 'cc:evicted',
  function(old) redis.call('DEL', p .. 'cc:s:' .. old) end)
redis.call('DEL', p .. 'cc:s:' .. s)
return ev`)
	// ARGV: prefix, session ("" for all)
	counterResetScript = redis.NewScript(`
local p, s = ARGV[1], ARGV[2]
if s ~= '' then
  redis.call('ZREM', p .. 'cc:lru', s)
  redis.call('DEL', p .. 'cc:s:' .. s)
  return 0
end
for _, m in ipairs(redis.call('ZRANGE', p .. 'cc:lru', 0, -1)) do
  redis.call('DEL', p .. 'cc:s:' .. m)
end
redis.call('DEL', p .. 'cc:lru')
return 0`)
	// ARGV: prefix, session; answers {1, name} for the session's own,
	// {2, name} for the server's, {0} for none chosen.
	scenarioGetScript = redis.NewScript(luaLRU + `
local s = ARGV[2]
local own = redis.call('HGET', p .. 'sc:by', s)
if own then
  redis.call('ZADD', p .. 'sc:lru', redis.call('INCR', p .. 'clock'), s)
  return {1, own}
end
local g = redis.call('GET', p .. 'sc:global')
if g then return {2, g} end
return {0}`)
	// ARGV: prefix, session, name, max
	scenarioSetScript = redis.NewScript(luaLRU + `
local s, name = ARGV[2], ARGV[3]
if s == '' then
  redis.call('SET', p .. 'sc:global', name)
  return 0
end
if name == '' then
  redis.call('ZREM', p .. 'sc:lru', s)
  redis.call('HDEL', p .. 'sc:by', s)
  return 0
end
local ev = touch(p .. 'sc:lru', s, tonumber(ARGV[4]), p .. 'sc:evicted',
  function(old) redis.call('HDEL', p .. 'sc:by', old) end)
redis.call('HSET', p .. 'sc:by', s, name)
return ev`)
)

// redisCounters are call counters in Redis, local ones while it is lost.
type redisCounters struct {
	r     *sharedState
	local callCounts
	max   int
	log   *slog.Logger
}

func (s *sharedState) callCounts(local callCounts, maxSessions int, log *slog.Logger) callCounts {
	return &redisCounters{r: s, local: local, max: maxSessions, log: log}
}

func (c *redisCounters) next(session string, k ruleKey) int {
	field := k.scenario + "\x1f" + strconv.Itoa(k.rule)
	if v, ok := c.r.run(counterNextScript, session, field, c.max); ok {
		n := asInt64s(v)
		if len(n) == 2 {
			logEvicted(c.log, "call counters", c.max, n[1])
			return int(n[0])
		}
	}
	return c.local.next(session, k)
}

func (c *redisCounters) has(session string) bool {
	if c.r.lostReason.Load() == nil {
		_, err := c.r.client.ZScore(context.Background(), c.r.prefix+"cc:lru", session).Result()
		if err == nil || err == redis.Nil {
			return err == nil
		}
		c.r.lose(err)
	}
	return c.local.has(session)
}

func (c *redisCounters) reset(session string) {
	// Both: counts made while Redis was lost must not outlive a reset.
	c.local.reset(session)
	c.r.run(counterResetScript, session)
}

func (c *redisCounters) start(session string) {
	c.local.start(session)
	if v, ok := c.r.run(counterStartScript, session, c.max); ok {
		n, _ := v.(int64)
		logEvicted(c.log, "call counters", c.max, n)
	}
}

func (c *redisCounters) kept() (int, uint64) {
	if kept, evicted, ok := c.r.keptOf("cc:lru", "cc:evicted"); ok {
		return kept, evicted
	}
	return c.local.kept()
}

// redisScenarios are the scenarios in force, in Redis; local ones while
// it is lost.
type redisScenarios struct {
	r       *sharedState
	local   scenarioChoices
	initial string // the server's until one is chosen
	max     int
	log     *slog.Logger
}

func (s *sharedState) scenarioChoices(local scenarioChoices, maxSessions int, initial string, log *slog.Logger) scenarioChoices {
	return &redisScenarios{r: s, local: local, initial: initial, max: maxSessions, log: log}
}

func (a *redisScenarios) get(session string) string {
	if v, ok := a.r.run(scenarioGetScript, session); ok {
		arr, _ := v.([]any)
		if len(arr) == 2 {
			name, _ := arr[1].(string)
			return name
		}
		return a.initial
	}
	return a.local.get(session)
}

func (a *redisScenarios) has(session string) bool {
	if a.r.lostReason.Load() == nil {
		_, err := a.r.client.ZScore(context.Background(), a.r.prefix+"sc:lru", session).Result()
		if err == nil || err == redis.Nil {
			return err == nil
		}
		a.r.lose(err)
	}
	return a.local.has(session)
}

func (a *redisScenarios) set(session, name string) {
	// Both: a choice holds on this replica while Redis is lost, too.
	a.local.set(session, name)
	if v, ok := a.r.run(scenarioSetScript, session, name, a.max); ok {
		n, _ := v.(int64)
		logEvicted(a.log, "session scenarios", a.max, n)
	}
}

func (a *redisScenarios) inUse() map[string]bool {
	if a.r.lostReason.Load() == nil {
		ctx := context.Background()
		pipe := a.r.client.Pipeline()
		names := pipe.HVals(ctx, a.r.prefix+"sc:by")
		global := pipe.Get(ctx, a.r.prefix+"sc:global")
		_, err := pipe.Exec(ctx)
		if err == nil || err == redis.Nil {
			used := map[string]bool{}
			for _, n := range names.Val() {
				used[n] = true
			}
			g, err := global.Result()
			if err == redis.Nil {
				g = a.initial
			}
			if g != "" {
				used[g] = true
			}
			return used
		}
		a.r.lose(err)
	}
	return a.local.inUse()
}

func (a *redisScenarios) kept() (int, uint64) {
	if kept, evicted, ok := a.r.keptOf("sc:lru", "sc:evicted"); ok {
		return kept, evicted
	}
	return a.local.kept()
}
