package wire

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tradeengine/engine/event"
)

// MaxAccounts is the largest number of accounts a decoder remembers, and so
// the largest number of distinct accounts a feed's new orders may name (a
// new order from one more is a malformed record). Part of the feed formats.
const MaxAccounts = 1 << 20

// MaxLeadingMalformed is the number of malformed records (lines of a text
// format, frames of a binary one) at the start of a feed after which a
// decoder gives up with an error wrapping [ErrNotThisFormat]. Part of the
// feed formats.
const MaxLeadingMalformed = 100

// Seeder is implemented by the decoders that number symbols or remember
// accounts ([CSVDecoder], [NativeDecoder], [LOBSTERDecoder]). A run that
// continues a journal seeds its decoder with the symbol table the journal
// has defined and the accounts it knows, before the first Next: known names
// then keep their ids without a new KindSymbol event, new names continue from
// the next id, and seeded accounts may be named by account scopes.
//
// Seed is for a feed that holds only events after the journal's (a resumed
// run with new events); a feed that repeats the journaled events from the
// start defines its symbols again in the same order and needs no seed.
//
// syms must give every id from 0 to len(syms)-1 exactly once, with names that
// event.PackName accepts, no two equal or differing only by case (else an
// error wrapping [ErrSymbolOrder], [ErrSymbolName] or [ErrSymbolCase]);
// accounts must not hold event.Any ([ErrAccount]) and may hold at most
// [MaxAccounts] distinct ones ([ErrTooManyAccounts]). Seed after the first
// Next, or twice, is an error wrapping [ErrConfig]. On error the decoder is
// unchanged.
type Seeder interface {
	Seed(syms []SymbolDef, accounts []uint32) error
}

// Interface checks.
var (
	_ Seeder = (*CSVDecoder)(nil)
	_ Seeder = (*NativeDecoder)(nil)
	_ Seeder = (*LOBSTERDecoder)(nil)
)

// seedTables checks a Seed of the decoder of format (done: it has started or
// was seeded already) and returns the tables it gives.
func seedTables(format string, done bool, syms []SymbolDef, ids []uint32) (Symbols, accounts, error) {
	if done {
		return Symbols{}, accounts{}, fmt.Errorf("%w: %s: seed after the first event or twice", ErrConfig, format)
	}
	s, err := seedSymbols(syms)
	if err != nil {
		return Symbols{}, accounts{}, fmt.Errorf("wire: %s: %w", format, err)
	}
	a, err := seedAccounts(ids)
	if err != nil {
		return Symbols{}, accounts{}, fmt.Errorf("wire: %s: %w", format, err)
	}
	return s, a, nil
}

// accounts is the set of accounts a feed has made known.
type accounts struct {
	m map[uint32]struct{}
}

// known reports whether a is known.
func (a *accounts) known(id uint32) bool {
	_, ok := a.m[id]
	return ok
}

// full reports whether the set holds MaxAccounts accounts.
func (a *accounts) full() bool { return len(a.m) >= MaxAccounts }

// add makes id known; the caller has checked full.
func (a *accounts) add(id uint32) {
	if a.m == nil {
		a.m = make(map[uint32]struct{})
	}
	a.m[id] = struct{}{}
}

// seedAccounts returns the set of ids.
func seedAccounts(ids []uint32) (accounts, error) {
	var a accounts
	for _, id := range ids {
		if id == event.Any {
			return accounts{}, fmt.Errorf("%w: seed: account %d is reserved for \"all accounts\"", ErrAccount, id)
		}
		if !a.known(id) && a.full() {
			return accounts{}, fmt.Errorf("%w: seed: more than %d accounts", ErrTooManyAccounts, MaxAccounts)
		}
		a.add(id)
	}
	return a, nil
}

// newAccount checks that a new order from acct may make it known: it is
// known already or the set has room.
func (a *accounts) newAccount(acct uint32, field int) *problem {
	if a.known(acct) || !a.full() {
		return nil
	}
	p := badValue(ErrTooManyAccounts, strconv.AppendUint(nil, uint64(acct), 10), field, "account")
	p.detail = "limit " + strconv.Itoa(MaxAccounts)
	return p
}

// scope checks the account of an account scope (mass cancel, kill, clear,
// setlimit): event.Any or a known account.
func (a *accounts) scope(acct uint32, field int, val []byte) *problem {
	if acct == event.Any || a.known(acct) {
		return nil
	}
	if val == nil {
		val = strconv.AppendUint(nil, uint64(acct), 10)
	}
	p := badValue(ErrUnknownAccount, val, field, "account")
	p.detail = "only a new order makes an account known; * is all accounts"
	return p
}

// formatGuard turns a feed that starts with MaxLeadingMalformed malformed
// records, or ends with only malformed ones, into a fatal error: such a
// feed is most likely not in the format the decoder reads, and hundreds of
// dead letters would hide that.
type formatGuard struct {
	valid  bool   // a valid record has been seen
	bad    int    // malformed records before the first valid one
	first  string // the first one's message
	format string // "csv", for messages
	unit   string // "lines" or "records"
	err    error  // sticky fatal error
}

// notThisFormat is the fatal error of a formatGuard; it wraps
// ErrNotThisFormat (and no DecodeError, so that it is never taken for one).
type notThisFormat struct{ msg string }

func (e *notThisFormat) Error() string { return e.msg }
func (e *notThisFormat) Unwrap() error { return ErrNotThisFormat }

// check passes on what a decoder's Next returned, counting malformed
// records until the first valid one; it returns the fatal error in place of
// the MaxLeadingMalformed-th DecodeError, or of io.EOF after only malformed
// records.
func (g *formatGuard) check(err error) error {
	if err == nil {
		g.valid = true
		return nil
	}
	if g.valid {
		return err
	}
	switch e := err.(type) {
	case *DecodeError:
		if g.bad == 0 {
			g.first = strings.TrimPrefix(e.Error(), "wire: ")
		}
		g.bad++
		if g.bad < MaxLeadingMalformed {
			return err
		}
		g.fail("in the first " + strconv.Itoa(g.bad) + " " + g.unit)
		return g.err
	}
	if err == io.EOF && g.bad > 0 {
		unit := g.unit
		if g.bad == 1 {
			unit = unit[:len(unit)-1]
		}
		g.fail("in " + strconv.Itoa(g.bad) + " " + unit + ", and no more")
		return g.err
	}
	return err
}

func (g *formatGuard) fail(where string) {
	g.err = &notThisFormat{msg: "wire: " + g.format + ": no valid record " + where +
		": is this the right --format? (first: " + g.first + ")"}
}
