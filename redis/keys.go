package redis

// keys names every Redis key of the store; the package documentation
// describes the layout and why it is so.
type keys struct{ p string }

func (k keys) account(name string) string     { return k.p + ":a:" + name }
func (k keys) session(id string) string       { return k.p + ":s:" + id }
func (k keys) subjectIndex(sub string) string { return k.p + ":u:" + sub + ":s" }
func (k keys) keySet() string                 { return k.p + ":keyset" }
func (k keys) format() string                 { return k.p + ":format" }
func (k keys) entry(key string) string        { return k.entryPrefix() + key }
func (k keys) entryPrefix() string            { return k.p + ":{c}:e:" }
func (k keys) all() string                    { return k.p + ":{c}:all" }
func (k keys) expiry() string                 { return k.p + ":{c}:exp" }
func (k keys) subjects() string               { return k.p + ":{c}:sub" }
func (k keys) stream() string                 { return k.p + ":{c}:feed" }
func (k keys) seq() string                    { return k.p + ":{c}:seq" }
func (k keys) life() string                   { return k.p + ":{c}:life" }
func (k keys) instances() string              { return k.p + ":{c}:instances" }
