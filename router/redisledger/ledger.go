package redisledger

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/budgetkit/budgetkit/router"
	"github.com/redis/go-redis/v9"
)

// MaxUnits is the largest Limit, hold Amount or settled amount a Ledger
// accepts: 2⁶², the range of router.PacerConfig's budgets. Comparisons in
// the scripts are exact over the whole int64 range; spend that would pass
// MaxInt64 (only after repeated settles far above their holds) saturates,
// as in router.MemoryLedger.
const MaxUnits = 1 << 62

// Defaults of Config's zero fields.
const (
	// DefaultNamespace prefixes every key (as the hash tag {budgetkit}).
	DefaultNamespace = "budgetkit"
	// DefaultGrace is how long an account's keys for a period outlive
	// the later of the period's end and the deadlines of its holds.
	DefaultGrace = time.Hour
	// DefaultExpireBatch is how many overdue holds one script releases;
	// Reserve releases up to this many in passing, Expire repeats until
	// none is left.
	DefaultExpireBatch = 16
)

// ReplayWindow is how long a settled or released hold's key stays as a
// tombstone, so that a client library's retry of the same call (a lost
// reply) is recognised and not refused.
const ReplayWindow = time.Minute

// Config configures New. Zero fields mean the defaults above.
type Config struct {
	// Client is the Redis connection (a *redis.Client, a failover client
	// or a cluster client); required. The Ledger does not close it. Its
	// MaxRetries applies to the scripts, safely: each call carries a token,
	// so a retry of a call whose reply was lost is recognised as a replay
	// and succeeds without holding or charging twice.
	Client redis.UniversalClient
	// Namespace separates ledgers sharing one Redis: keys are
	// "{Namespace}:…". Every replica sharing a budget uses the same
	// Namespace. Non-empty UTF-8 without '{' or '}'; default "budgetkit".
	Namespace string
	// Accounts are the budgets known at construction; AddAccount adds
	// more. Every replica must define an account with the same Limit and
	// Period (each Reserve checks the limit of the replica making it).
	Accounts []router.Account
	// Grace is how long an account's period keys (and the holds charging
	// them) outlive the period's end or the holds' deadlines, whichever is
	// later, so that late settles still land and balances stay readable;
	// > 0, default one hour.
	Grace time.Duration
	// ExpireBatch bounds the overdue holds one script call releases (in
	// [1, 10000], default 16): Reserve releases up to ExpireBatch overdue
	// holds in passing, so a busy ledger needs no separate Expire loop.
	ExpireBatch int
}

// Ledger is a router.Ledger kept in Redis, so that the pacers of several
// replicas share one spend. Each operation is one Lua script, atomic on the
// Redis primary: one round trip for Reserve, Settle, Release and Balance,
// one per ExpireBatch overdue holds for Expire. Money is kept as exact
// integers (HINCRBY), periods as keys that expire Grace after the later of
// their end and their holds' deadlines, and deadlines in a sorted set.
// See the package documentation for the consistency model.
//
// A Ledger is safe for concurrent use by multiple goroutines; many Ledgers
// (in one process or many) may share one Redis. The zero Ledger is not
// usable: its methods return errors wrapping router.ErrInvalid.
type Ledger struct {
	client      redis.UniversalClient
	ns          string // "{ns}:"
	holdPrefix  string // "{ns}:h:"
	deadlines   string // "{ns}:d"
	grace       time.Duration
	expireBatch int
	nonce       string        // random, per Ledger: call tokens are nonce.seq
	seq         atomic.Uint64 // call counter

	mu       sync.RWMutex
	accounts map[string]router.Account
}

var (
	_ router.Ledger       = (*Ledger)(nil)
	_ router.AccountAdder = (*Ledger)(nil)
)

// New validates cfg, pings Redis and loads the scripts. An invalid field
// gives an error wrapping router.ErrInvalid that names it; an unreachable
// Redis gives an error wrapping both router.ErrInvalid (the configuration
// cannot be used) and router.ErrLedgerUnavailable (the cause), so callers
// may test for either.
func New(ctx context.Context, cfg Config) (*Ledger, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: redisledger: Config.Client = nil", router.ErrInvalid)
	}
	ns := cfg.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if !utf8.ValidString(ns) || strings.ContainsAny(ns, "{}") {
		return nil, fmt.Errorf("%w: redisledger: Config.Namespace = %q (must be UTF-8 without '{' or '}')", router.ErrInvalid, cfg.Namespace)
	}
	grace := cfg.Grace
	if grace == 0 {
		grace = DefaultGrace
	}
	if grace < time.Millisecond {
		return nil, fmt.Errorf("%w: redisledger: Config.Grace = %v (must be ≥ 1ms)", router.ErrInvalid, cfg.Grace)
	}
	batch := cfg.ExpireBatch
	if batch == 0 {
		batch = DefaultExpireBatch
	}
	if batch < 1 || batch > 10000 {
		return nil, fmt.Errorf("%w: redisledger: Config.ExpireBatch = %d (must be in [1, 10000])", router.ErrInvalid, cfg.ExpireBatch)
	}
	var rnd [8]byte
	if _, err := crand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("%w: redisledger: reading a nonce: %v", router.ErrInvalid, err)
	}
	l := &Ledger{
		nonce:       hex.EncodeToString(rnd[:]),
		client:      cfg.Client,
		ns:          "{" + ns + "}:",
		holdPrefix:  "{" + ns + "}:h:",
		deadlines:   "{" + ns + "}:d",
		grace:       grace,
		expireBatch: batch,
		accounts:    make(map[string]router.Account, len(cfg.Accounts)),
	}
	for i, a := range cfg.Accounts {
		if err := l.addAccount(a); err != nil {
			return nil, fmt.Errorf("%w (Config.Accounts[%d])", err, i)
		}
	}
	if err := cfg.Client.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("%w: %w: redisledger: ping: %v", router.ErrInvalid, router.ErrLedgerUnavailable, err)
	}
	for _, s := range []*redis.Script{reserveScript, finishScript, expireScript} {
		if err := s.Load(ctx, cfg.Client).Err(); err != nil {
			return nil, fmt.Errorf("%w: %w: redisledger: loading a script: %v", router.ErrInvalid, router.ErrLedgerUnavailable, err)
		}
	}
	return l, nil
}

// AddAccount defines another account (for example a new API key's budget)
// in this Ledger (router.Pacer.AddTenant calls it); other replicas must add
// it too before they reserve on it. It needs no round trip: definitions
// are local, spend is shared. Re-adding an identical account is a no-op
// (replicas may all add it); a name already defined with a different Limit
// or Period fails with an error wrapping router.ErrInvalid, as does an
// invalid account.
// Redirecting an existing account is not supported: its spend lives in
// Redis under its name.
func (l *Ledger) AddAccount(_ context.Context, a router.Account) error {
	if err := l.check(); err != nil {
		return err
	}
	return l.addAccount(a)
}

func (l *Ledger) addAccount(a router.Account) error {
	if a.Name == "" || !utf8.ValidString(a.Name) {
		return fmt.Errorf("%w: redisledger: Account.Name = %q (must be non-empty valid UTF-8)", router.ErrInvalid, a.Name)
	}
	if a.Limit <= 0 || a.Limit > MaxUnits {
		return fmt.Errorf("%w: redisledger: account %q: Limit = %d (must be in [1, %d])", router.ErrInvalid, a.Name, a.Limit, int64(MaxUnits))
	}
	if err := a.Period.Validate(); err != nil {
		return fmt.Errorf("redisledger: account %q: %w", a.Name, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.accounts[a.Name]; ok {
		if old.Limit != a.Limit || old.Period != a.Period {
			return fmt.Errorf("%w: redisledger: account %q already defined with Limit %d and Period %v", router.ErrInvalid, a.Name, old.Limit, old.Period.Kind)
		}
		return nil
	}
	l.accounts[a.Name] = a
	return nil
}

func (l *Ledger) check() error {
	if l == nil || l.client == nil {
		return fmt.Errorf("%w: redisledger: Ledger not created with New", router.ErrInvalid)
	}
	return nil
}

// periodKey returns account a's key for the period containing now, and the
// TTL (ms, 0 = none) that keeps it until Grace after the later of the
// period's end and deadline.
func (l *Ledger) periodKey(a router.Account, now, deadline time.Time) (key string, ttlMS int64, start, end time.Time, err error) {
	start, end, err = a.Period.Bounds(now)
	if err != nil {
		return "", 0, start, end, err
	}
	if a.Period.Kind == router.Lifetime {
		return l.ns + "a:" + a.Name + ":life", 0, start, end, nil
	}
	until := end
	if deadline.After(until) {
		until = deadline
	}
	ttl := until.Sub(now) + l.grace
	ms := int64(ttl / time.Millisecond)
	if ttl%time.Millisecond != 0 {
		ms++
	}
	return l.ns + "a:" + a.Name + ":" + strconv.FormatInt(start.UnixNano(), 10), ms, start, end, nil
}

// Key returns the Redis key holding account's spend and holds in the
// period containing now (for monitoring and tests).
func (l *Ledger) Key(now time.Time, account string) (string, error) {
	if err := l.check(); err != nil {
		return "", err
	}
	a, err := l.account(account)
	if err != nil {
		return "", err
	}
	k, _, _, _, err := l.periodKey(a, now, now)
	return k, err
}

func (l *Ledger) account(name string) (router.Account, error) {
	l.mu.RLock()
	a, ok := l.accounts[name]
	l.mu.RUnlock()
	if !ok {
		return router.Account{}, fmt.Errorf("%w: redisledger: unknown account %q", router.ErrInvalid, name)
	}
	return a, nil
}

// micros is t in Unix microseconds rounded down (up when ceil): deadlines
// are compared with now at microsecond resolution, rounding towards
// keeping a hold live (a hold is expired at now when its deadline rounded
// up is ≤ now rounded down).
func micros(t time.Time, ceil bool) int64 {
	us := t.UnixMicro()
	if ceil && t.Nanosecond()%1000 != 0 {
		us++
	}
	return us
}

// token returns a string no other call of any Ledger uses: a retry of one
// call by the client library carries the same token, a new call another.
func (l *Ledger) token() string {
	return l.nonce + "." + strconv.FormatUint(l.seq.Add(1), 10)
}

func unavailable(op string, err error) error {
	return fmt.Errorf("%w: redisledger: %s: %w", router.ErrLedgerUnavailable, op, err)
}

// Reserve holds h.Amount on every account of h.Accounts in the period
// containing now, all or nothing, in one round trip; it first releases up
// to ExpireBatch holds whose deadline is at or before now. A hold with the
// ID of a live hold fails with router.ErrInvalid.
func (l *Ledger) Reserve(ctx context.Context, now time.Time, h router.Hold) error {
	if err := l.check(); err != nil {
		return err
	}
	return l.reserve(ctx, now, h, l.token())
}

// reserve is Reserve with the call's token (a retry reuses it).
func (l *Ledger) reserve(ctx context.Context, now time.Time, h router.Hold, token string) error {
	n := len(h.Accounts)
	if n == 0 {
		return fmt.Errorf("%w: redisledger: hold %d: no accounts", router.ErrInvalid, h.ID)
	}
	if h.Amount < 0 || h.Amount > MaxUnits {
		return fmt.Errorf("%w: redisledger: hold %d: Amount = %d (must be in [0, %d])", router.ErrInvalid, h.ID, h.Amount, int64(MaxUnits))
	}
	if !h.Deadline.After(now) {
		return fmt.Errorf("%w: redisledger: hold %d: Deadline = %v (must be after now = %v)", router.ErrInvalid, h.ID, h.Deadline, now)
	}
	keys := make([]string, 2, 2+n)
	keys[0], keys[1] = l.deadlines, l.holdPrefix+strconv.FormatUint(h.ID, 10)
	args := make([]any, 7, 7+3*n)
	args[0], args[1], args[2] = micros(now, false), micros(h.Deadline, true), h.Amount
	args[3], args[4], args[5], args[6] = l.holdPrefix, h.ID, l.expireBatch, token
	for i, name := range h.Accounts {
		for _, prev := range h.Accounts[:i] {
			if prev == name {
				return fmt.Errorf("%w: redisledger: hold %d: Accounts[%d] = %q repeats", router.ErrInvalid, h.ID, i, name)
			}
		}
		a, err := l.account(name)
		if err != nil {
			return fmt.Errorf("%w (hold %d, Accounts[%d])", err, h.ID, i)
		}
		k, ttl, _, end, err := l.periodKey(a, now, h.Deadline)
		if err != nil {
			return err
		}
		keys = append(keys, k)
		extend := 0
		if ttl > 0 && h.Deadline.After(end) {
			extend = 1
		}
		args = append(args, a.Limit, ttl, extend)
	}
	res, err := reserveScript.Run(ctx, l.client, keys, args...).Slice()
	if err != nil {
		return unavailable("reserve", err)
	}
	code, _ := res[0].(int64)
	switch {
	case len(res) == 1 && code == 0:
		return nil
	case len(res) == 4 && code == 1:
		i, _ := res[1].(int64)
		if i < 1 || i > int64(n) {
			break
		}
		name := h.Accounts[i-1]
		a, _ := l.account(name)
		return fmt.Errorf("%w: redisledger: account %q: spent %v + held %v + amount %d > limit %d", router.ErrBudgetExhausted, name, res[2], res[3], h.Amount, a.Limit)
	case len(res) == 1 && code == 2:
		return fmt.Errorf("%w: redisledger: Hold.ID = %d (in use by another live hold)", router.ErrInvalid, h.ID)
	}
	return unavailable("reserve", fmt.Errorf("unexpected reply %v", res))
}

// Settle records actual units of spend for live hold id on each of its
// accounts, in the period the hold was made in, and drops the hold, in one
// round trip. A hold is live until its deadline: at or after it, Settle
// releases the hold (if no Expire has yet) and fails with an error
// wrapping router.ErrUnknownReservation, as Release does.
func (l *Ledger) Settle(ctx context.Context, now time.Time, id uint64, actual int64) error {
	if err := l.check(); err != nil {
		return err
	}
	if actual < 0 || actual > MaxUnits {
		return fmt.Errorf("%w: redisledger: settle hold %d: actual = %d (must be in [0, %d])", router.ErrInvalid, id, actual, int64(MaxUnits))
	}
	return l.finish(ctx, now, id, strconv.FormatInt(actual, 10), "settle", l.token())
}

// Release drops live hold id without recording spend, in one round trip.
func (l *Ledger) Release(ctx context.Context, now time.Time, id uint64) error {
	if err := l.check(); err != nil {
		return err
	}
	return l.finish(ctx, now, id, "", "release", l.token())
}

// finish settles (actual ≠ "") or releases hold id with the call's token.
func (l *Ledger) finish(ctx context.Context, now time.Time, id uint64, actual, op, token string) error {
	sid := strconv.FormatUint(id, 10)
	r, err := finishScript.Run(ctx, l.client, []string{l.deadlines, l.holdPrefix + sid}, sid, actual, token, ReplayWindow.Milliseconds(), micros(now, false)).Int64()
	if err != nil {
		return unavailable(op, err)
	}
	if r != 0 {
		return fmt.Errorf("%w: redisledger: %s: hold %d is not live", router.ErrUnknownReservation, op, id)
	}
	return nil
}

// Expire releases every hold whose deadline is at or before now, in
// batches of ExpireBatch (one round trip each), and returns how many it
// released. On an error it returns the number released before it.
func (l *Ledger) Expire(ctx context.Context, now time.Time) (int, error) {
	if err := l.check(); err != nil {
		return 0, err
	}
	total := 0
	for {
		res, err := expireScript.Run(ctx, l.client, []string{l.deadlines}, micros(now, false), l.holdPrefix, l.expireBatch).Int64Slice()
		if err != nil {
			return total, unavailable("expire", err)
		}
		if len(res) != 2 {
			return total, unavailable("expire", fmt.Errorf("unexpected reply %v", res))
		}
		total += int(res[0])
		if res[1] < int64(l.expireBatch) {
			return total, nil
		}
	}
}

// Balance reads an account in the period containing now (one round trip).
func (l *Ledger) Balance(ctx context.Context, now time.Time, account string) (router.Balance, error) {
	if err := l.check(); err != nil {
		return router.Balance{}, err
	}
	a, err := l.account(account)
	if err != nil {
		return router.Balance{}, err
	}
	k, _, start, end, err := l.periodKey(a, now, now)
	if err != nil {
		return router.Balance{}, err
	}
	v, err := l.client.HMGet(ctx, k, "spent", "held").Result()
	if err != nil {
		return router.Balance{}, unavailable("balance", err)
	}
	b := router.Balance{Account: account, Limit: a.Limit, Start: start, End: end}
	for i, p := range []*int64{&b.Spent, &b.Held} {
		if v[i] == nil {
			continue
		}
		s, ok := v[i].(string)
		if !ok {
			return router.Balance{}, unavailable("balance", fmt.Errorf("key %s: field %d = %v", k, i, v[i]))
		}
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return router.Balance{}, unavailable("balance", fmt.Errorf("key %s: %w", k, err))
		}
		*p = x
	}
	return b, nil
}
