package wire

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/tradeengine/engine/event"
)

// OutJSON writes output events as JSON lines, one object per event. Every
// object has "seq", "ts", "kind" and "symbol" (a string: the name once an
// OutSymbol event has named it, else the decimal id, or "*" for event.Any),
// then only the fields that mean something for the kind:
//
//	accepted       id, account, side, price, qty, clordid
//	rejected       reason, id, account, side, price, qty, clordid
//	trade          id, account, side, price, qty, maker, maker_account
//	cancelled      reason, id, account, side, price, qty
//	replaced       reason, id, account, side, price, qty
//	book           side, price, qty, orders
//	halted         (nothing more)
//	resumed        (nothing more)
//	masscancelled  account (a number, or "*" for all), count
//	symbol         symbol_id, name
//	kill           account ("*" for all), reason, measured, limit, window_ns
//	clear          account ("*" for all)
//	limit          account ("*" for all), limit (the risk limit id), value
//	breaker        account ("*" for the engine's), reason, breaches, until
//	parent         id, account, side, allowance
//	paused         (nothing more)
//	unpaused       (nothing more)
//	held           reason, id, account, side, price, qty, pending_id
//
// An event of an undefined kind is written with every field under its Go
// name in snake case. Side, kind and reason are names; numbers are JSON
// integers. The output is always valid JSON: names come from fixed tables and
// symbol names hold no character JSON must escape.
type OutJSON struct {
	bw    *bufio.Writer
	buf   []byte
	names outNames
}

// NewOutJSON returns a writer to w. JSON lines have no header: the same
// writer continues a stream written before, byte for byte as an
// uninterrupted writer would once seeded ([OutJSON.SeedSymbols]).
func NewOutJSON(w io.Writer) *OutJSON {
	return &OutJSON{bw: bufio.NewWriterSize(w, bufSize), buf: make([]byte, 0, 320)}
}

// SeedSymbols makes the writer name the symbols of syms as if OutSymbol
// events had named them; see [OutCSV.SeedSymbols].
func (j *OutJSON) SeedSymbols(syms []SymbolDef) error { return j.names.seed(syms) }

// Write writes o as one line.
func (j *OutJSON) Write(o *event.Out) error {
	j.names.learn(o)
	b := j.buf[:0]
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, o.Seq, 10)
	b = append(b, `,"ts":`...)
	b = strconv.AppendInt(b, o.TS, 10)
	b = append(b, `,"kind":"`...)
	b = appendOutKind(b, o.Kind)
	b = append(b, `","symbol":"`...)
	b = j.names.appendSymbol(b, o.Symbol)
	b = append(b, '"')
	switch o.Kind {
	case event.OutAccepted, event.OutRejected:
		if o.Kind == event.OutRejected {
			b = jsonReason(b, o.Reason)
		}
		b = jsonOrder(b, o)
		b = jsonUint(b, "clordid", o.Other)
	case event.OutTrade:
		b = jsonOrder(b, o)
		b = jsonUint(b, "maker", o.Other)
		b = jsonUint(b, "maker_account", uint64(o.OtherAccount))
	case event.OutCancelled, event.OutReplaced:
		b = jsonReason(b, o.Reason)
		b = jsonOrder(b, o)
	case event.OutBook:
		b = jsonSide(b, o.Side)
		b = jsonInt(b, "price", o.Price)
		b = jsonInt(b, "qty", o.Qty)
		b = jsonUint(b, "orders", o.Other)
	case event.OutHalted, event.OutResumed, event.OutPaused, event.OutUnpaused:
	case event.OutMassCancelled:
		b = jsonAccount(b, o.Account)
		b = jsonInt(b, "count", o.Qty)
	case event.OutKill:
		b = jsonAccount(b, o.Account)
		b = jsonReason(b, o.Reason)
		b = jsonInt(b, "measured", o.Qty)
		b = jsonInt(b, "limit", o.Price)
		b = jsonUint(b, "window_ns", o.Other)
	case event.OutClear:
		b = jsonAccount(b, o.Account)
	case event.OutLimit:
		b = jsonAccount(b, o.Account)
		b = jsonUint(b, "limit", o.Other)
		b = jsonInt(b, "value", o.Qty)
	case event.OutBreaker:
		b = jsonAccount(b, o.Account)
		b = jsonReason(b, o.Reason)
		b = jsonInt(b, "breaches", o.Qty)
		b = jsonUint(b, "until", o.Other)
	case event.OutParent:
		b = jsonUint(b, "id", o.ID)
		b = jsonUint(b, "account", uint64(o.Account))
		b = jsonSide(b, o.Side)
		b = jsonInt(b, "allowance", o.Qty)
	case event.OutPrint:
		b = jsonUint(b, "id", o.ID)
		b = jsonSide(b, o.Side)
		b = jsonInt(b, "price", o.Price)
		b = jsonInt(b, "qty", o.Qty)
		b = append(b, `,"what":"`...)
		b = append(b, printWhat(o.Other)...)
		b = append(b, '"')
	case event.OutHeld:
		b = jsonReason(b, o.Reason)
		b = jsonOrder(b, o)
		b = jsonUint(b, "pending_id", o.Other)
	case event.OutSymbol:
		b = jsonUint(b, "symbol_id", uint64(o.Symbol))
		if _, ok := event.UnpackName(o.Other); ok {
			b = append(b, `,"name":"`...)
			b = appendPacked(b, o.Other)
			b = append(b, '"')
		} else {
			b = jsonUint(b, "name_packed", o.Other)
		}
	default:
		b = jsonUint(b, "id", o.ID)
		b = jsonUint(b, "account", uint64(o.Account))
		b = jsonUint(b, "other", o.Other)
		b = jsonUint(b, "other_account", uint64(o.OtherAccount))
		b = jsonSide(b, o.Side)
		b = jsonInt(b, "price", o.Price)
		b = jsonInt(b, "qty", o.Qty)
		b = jsonReason(b, o.Reason)
	}
	b = append(b, "}\n"...)
	j.buf = b
	if _, err := j.bw.Write(b); err != nil {
		return fmt.Errorf("wire: out json: write: %w", err)
	}
	return nil
}

// Flush writes any buffered lines to the underlying writer.
func (j *OutJSON) Flush() error {
	if err := j.bw.Flush(); err != nil {
		return fmt.Errorf("wire: out json: flush: %w", err)
	}
	return nil
}

// jsonOrder appends the fields of an order: id, account, side, price, qty.
func jsonOrder(b []byte, o *event.Out) []byte {
	b = jsonUint(b, "id", o.ID)
	b = jsonUint(b, "account", uint64(o.Account))
	b = jsonSide(b, o.Side)
	b = jsonInt(b, "price", o.Price)
	return jsonInt(b, "qty", o.Qty)
}

// jsonAccount appends the account of a scope: a number, or "*" for
// event.Any.
func jsonAccount(b []byte, a uint32) []byte {
	if a == event.Any {
		return append(b, `,"account":"*"`...)
	}
	return jsonUint(b, "account", uint64(a))
}

func jsonKey(b []byte, key string) []byte {
	b = append(b, ",\""...)
	b = append(b, key...)
	return append(b, "\":"...)
}

func jsonUint(b []byte, key string, v uint64) []byte {
	return strconv.AppendUint(jsonKey(b, key), v, 10)
}

func jsonInt(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(jsonKey(b, key), v, 10)
}

func jsonSide(b []byte, s event.Side) []byte {
	b = append(jsonKey(b, "side"), '"')
	return append(appendSide(b, s), '"')
}

func jsonReason(b []byte, r event.Reason) []byte {
	b = append(jsonKey(b, "reason"), '"')
	return append(appendReason(b, r), '"')
}

// printWhat names what an OutPrint reports (its Other: a KindPrint's Arg).
func printWhat(v uint64) string {
	switch v {
	case uint64(event.PrintHidden):
		return "hidden"
	case uint64(event.PrintCross):
		return "cross"
	}
	return "other"
}
