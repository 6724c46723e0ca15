package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// What instances on one Redis must agree on. Each instance registers the
// settings that decide what is refused in the hash tm:{c}:instances
// (instance id -> "seen-ms settings-JSON"), renews the registration every
// few seconds, and compares its settings with those of every instance seen
// within registrationTTL. The longest token lifetime any instance issues
// with is kept in tm:{c}:life, which only grows: every session or subject
// cancellation lives at least that long (cancelScript), so no instance's
// shorter TTL makes an entry expire before the tokens it covers.

// registrationTTL is how long an instance that stopped renewing (crashed,
// cut off) still counts as present.
const registrationTTL = 15 * time.Second

// agreeScript registers ARGV[2] (settings JSON) for instance ARGV[1] at the
// server's TIME, drops registrations older than ARGV[3] ms, and returns the
// others as id, value, id, value...
//
// KEYS: instances.
var agreeScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', now) .. ' ' .. ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  local seen = tonumber(string.match(all[i+1], '^(%d+) '))
  if all[i] ~= ARGV[1] then
    if seen == nil or now - seen > tonumber(ARGV[3]) then
      redis.call('HDEL', KEYS[1], all[i])
    else
      table.insert(out, all[i]); table.insert(out, all[i+1])
    end
  end
end
return out
`)

// Time returns the clock of the Redis node that holds the cancelled set:
// the clock that stamps cut-offs (tokenmanager.TimeSource).
func (s *Store) Time(ctx context.Context) (time.Time, error) {
	v, err := timeScript.Run(ctx, s.rdb, []string{s.k.seq()}).StringSlice()
	if err != nil || len(v) != 2 {
		return time.Time{}, unavailable(err, "cannot read Redis's clock")
	}
	sec, err1 := strconv.ParseInt(v[0], 10, 64)
	usec, err2 := strconv.ParseInt(v[1], 10, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}, corrupt(fmt.Errorf("TIME answered %q", v), "clock")
	}
	return time.Unix(sec, usec*1000), nil
}

// AnnounceLifetime raises the store's longest token lifetime to d (the
// longest access or refresh TTL this instance issues with, plus its
// leeway) and returns the store's value.
func (s *Store) AnnounceLifetime(ctx context.Context, d time.Duration) (time.Duration, error) {
	v, err := maxScript.Run(ctx, s.rdb, []string{s.k.life()}, d.Milliseconds()).Int64()
	if err != nil {
		return 0, unavailable(err, "cannot publish the token lifetime")
	}
	return time.Duration(v) * time.Millisecond, nil
}

// Agree registers this instance's settings (flag name -> value) under id
// and compares them with those of every other instance present. It returns
// a store error, or an error naming every difference.
func (s *Store) Agree(ctx context.Context, id string, settings map[string]string) error {
	data, err := json.Marshal(settings)
	if err != nil {
		return err
	}
	others, err := agreeScript.Run(ctx, s.rdb, []string{s.k.instances()}, id, data, registrationTTL.Milliseconds()).StringSlice()
	if err != nil {
		return unavailable(err, "cannot compare settings with the other instances")
	}
	var diffs []string
	for i := 0; i+1 < len(others); i += 2 {
		diffs = append(diffs, compareSettings(settings, others[i], others[i+1])...)
	}
	if len(diffs) > 0 {
		return &DisagreementError{Diffs: diffs}
	}
	return nil
}

// Leave removes this instance's registration (on a clean shutdown), so a
// restart with new settings is not compared with the old ones.
func (s *Store) Leave(ctx context.Context, id string) error {
	return s.rdb.HDel(ctx, s.k.instances(), id).Err()
}

// DisagreementError says which settings differ between this instance and
// others on the same store: such an instance must not take traffic.
type DisagreementError struct{ Diffs []string }

func (e *DisagreementError) Error() string {
	return "instances on this store disagree on settings that decide what is refused: " + strings.Join(e.Diffs, "; ") +
		" (start every instance with the same values)"
}

// compareSettings lists the settings in which the registration value of
// instance id differs from mine.
func compareSettings(mine map[string]string, id, value string) []string {
	_, js, _ := strings.Cut(value, " ")
	var theirs map[string]string
	if err := json.Unmarshal([]byte(js), &theirs); err != nil {
		return []string{"instance " + id + " registered unreadable settings"}
	}
	names := make([]string, 0, len(mine))
	for k := range mine {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []string
	for _, k := range names {
		if v, ok := theirs[k]; ok && v != mine[k] {
			out = append(out, fmt.Sprintf("%s is %q here but %q on instance %s", k, mine[k], v, id))
		}
	}
	return out
}

// The store orders refreshes against cancellations and is the clock of the
// instances that share it.
var (
	_ tm.CutoffStore = (*Store)(nil)
	_ tm.TimeSource  = (*Store)(nil)
)
