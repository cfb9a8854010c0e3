package mock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultStatePrefix namespaces odmock's keys in Redis when
// Config.StatePrefix is "".
const DefaultStatePrefix = "odmock:"

// sharedState is the state replicas share, in Redis (Config.State). Each
// kind of state (shared.go) has a Redis implementation here and in
// redis_*.go, which falls back to the replica's own in-memory one while
// Redis is out of reach: answers never fail because of Redis. The first
// failed command marks Redis lost (logged once, and /__odmock/health says
// degraded); a watcher pings it meanwhile and marks it back when it
// answers.
//
// Every read-modify-write is one Lua script, atomic in Redis: two
// replicas never get the same turn of a sequence, nor the same slot of a
// rate-limit window. Bounds are kept there too: a sorted set per kind of
// session state, scored by a shared clock, is its LRU.
type sharedState struct {
	client *redis.Client
	prefix string
	log    *slog.Logger

	lostReason atomic.Pointer[string] // why Redis is out of reach; nil while it answers
	stop       chan struct{}
	stopped    sync.WaitGroup
	closeOnce  sync.Once
}

// Timeouts of Redis commands: a request never waits long on Redis before
// falling back to local state.
const (
	redisDialTimeout = time.Second
	redisIOTimeout   = 500 * time.Millisecond
	redisStartWait   = 3 * time.Second        // at start, for the first answer
	redisRetryEvery  = 500 * time.Millisecond // while lost, a ping this often
)

// checkStateURL checks Config.State: a redis:// or rediss:// URL.
func checkStateURL(raw string) error {
	if !strings.HasPrefix(raw, "redis://") && !strings.HasPrefix(raw, "rediss://") {
		return errors.New("want redis://[user:password@]host:port/db")
	}
	if _, err := redis.ParseURL(raw); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "redis: "))
	}
	return nil
}

// redactURL is a state URL safe to print: no password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// connectShared connects to cfg.State and checks that Redis answers; nil,
// nil without cfg.State. Unreachable is a *ConfigError naming the field.
func connectShared(cfg Config, log *slog.Logger) (*sharedState, error) {
	if cfg.State == "" {
		return nil, nil
	}
	opts, err := redis.ParseURL(cfg.State)
	if err != nil {
		return nil, &ConfigError{Field: "State", Value: redactURL(cfg.State), Err: err}
	}
	opts.DialTimeout = redisDialTimeout
	opts.ReadTimeout, opts.WriteTimeout = redisIOTimeout, redisIOTimeout
	opts.MaxRetries = -1 // a failed command falls back at once; the watcher retries
	opts.DialerRetries = 1
	opts.ClientName = "odmock"
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), redisStartWait)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, &ConfigError{Field: "State", Value: redactURL(cfg.State),
			Err: fmt.Errorf("redis unreachable: %s", errLine(err))}
	}
	prefix := cfg.StatePrefix
	if prefix == "" {
		prefix = DefaultStatePrefix
	}
	s := &sharedState{client: client, prefix: prefix, log: log, stop: make(chan struct{})}
	s.stopped.Add(1)
	go s.watch()
	log.Info("shared state in redis", "url", redactURL(cfg.State), "prefix", prefix)
	return s, nil
}

// errLine is err's text on one line.
func errLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// close stops the watcher and closes the connections; nil does nothing.
func (s *sharedState) close() {
	if s == nil {
		return
	}
	s.closeOnce.Do(func() {
		close(s.stop)
		s.stopped.Wait()
		s.client.Close()
	})
}

// degraded is why Redis is out of reach, "" while it answers.
func (s *sharedState) degraded() string {
	if s == nil {
		return ""
	}
	if r := s.lostReason.Load(); r != nil {
		return *r
	}
	return ""
}

// lose marks Redis lost after err, logging it once per loss.
func (s *sharedState) lose(err error) {
	reason := "redis unreachable, serving this replica's own state: " + errLine(err)
	if s.lostReason.CompareAndSwap(nil, &reason) {
		s.log.Warn("shared state lost: each replica counts alone until redis answers again", "err", errLine(err))
	}
}

// watch pings Redis while it is lost, and marks it back when it answers.
func (s *sharedState) watch() {
	defer s.stopped.Done()
	t := time.NewTicker(redisRetryEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if s.lostReason.Load() == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), redisRetryEvery)
		err := s.client.Ping(ctx).Err()
		cancel()
		if err == nil {
			s.lostReason.Store(nil)
			s.log.Info("shared state back: redis answers again")
		}
	}
}

// run runs script with args after the prefix; ok is false when Redis is
// lost, or is lost by this call: the caller falls back to local state.
func (s *sharedState) run(script *redis.Script, args ...any) (any, bool) {
	if s.lostReason.Load() != nil {
		return nil, false
	}
	v, err := script.Run(context.Background(), s.client, nil, append([]any{s.prefix}, args...)...).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		s.lose(err)
		return nil, false
	}
	return v, true
}

// logEvicted logs the 1st, 2nd, 4th, 8th... eviction a script reports,
// as logEvictions does in memory.
func logEvicted(log *slog.Logger, what string, limit int, n int64) {
	if n > 0 && n&(n-1) == 0 {
		log.Warn("state bound reached: least recently used entries forgotten",
			"state", what, "limit", limit, "evicted", n)
	}
}

// luaLRU is the Lua both scripts of session state start with: touch marks
// member used in the sorted set lru (scored by a shared clock), making
// room first when it is new and the set is full; forget is told of every
// member evicted. It returns the evictions counted so far (0 when none
// now).
const luaLRU = `
local p = ARGV[1]
local function touch(lru, member, max, evictedKey, forget)
  local clock = redis.call('INCR', p .. 'clock')
  local evicted = 0
  if not redis.call('ZSCORE', lru, member) then
    while redis.call('ZCARD', lru) >= max do
      local old = redis.call('ZPOPMIN', lru)
      forget(old[1])
      evicted = redis.call('INCR', evictedKey)
    end
  end
  redis.call('ZADD', lru, clock, member)
  return evicted
end
`

// asInt64s reads a script's array of integers.
func asInt64s(v any) []int64 {
	arr, _ := v.([]any)
	out := make([]int64, len(arr))
	for i, x := range arr {
		out[i], _ = x.(int64)
	}
	return out
}

// keptOf reads ZCARD of lru and the count at evictedKey, in one trip.
func (s *sharedState) keptOf(lru, evictedKey string) (int, uint64, bool) {
	if s.lostReason.Load() != nil {
		return 0, 0, false
	}
	ctx := context.Background()
	pipe := s.client.Pipeline()
	card := pipe.ZCard(ctx, s.prefix+lru)
	ev := pipe.Get(ctx, s.prefix+evictedKey)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		s.lose(err)
		return 0, 0, false
	}
	n, _ := ev.Uint64()
	return int(card.Val()), n, true
}
