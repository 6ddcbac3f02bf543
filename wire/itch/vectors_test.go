package itch

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// vectorDir holds one TOML file per ITCH 5.0 message type, written from the
// specification's field tables (see ../shared/data/PROVENANCE.md).
const vectorDir = "../../../shared/data/itch50_spec_vectors"

// vectorFields maps each field name the vectors use to the Message field
// that holds it: a pointer to a byte (a one-character alpha), a byte array
// (a longer alpha) or an unsigned integer.
var vectorFields = map[string]func(m *Message) any{
	"message_type":    func(m *Message) any { return &m.Type },
	"stock_locate":    func(m *Message) any { return &m.StockLocate },
	"tracking_number": func(m *Message) any { return &m.TrackingNumber },
	"timestamp":       func(m *Message) any { return &m.Timestamp },

	"order_reference_number":          func(m *Message) any { return &m.OrderRef },
	"original_order_reference_number": func(m *Message) any { return &m.OrderRef },
	"new_order_reference_number":      func(m *Message) any { return &m.NewOrderRef },
	"buy_sell_indicator":              func(m *Message) any { return &m.Side },
	"shares":                          func(m *Message) any { return &m.Shares },
	"stock":                           func(m *Message) any { return &m.Stock },
	"price":                           func(m *Message) any { return &m.Price },
	"attribution":                     func(m *Message) any { return &m.Attribution },
	"executed_shares":                 func(m *Message) any { return &m.ExecutedShares },
	"cancelled_shares":                func(m *Message) any { return &m.CanceledShares },
	"match_number":                    func(m *Message) any { return &m.MatchNumber },
	"printable":                       func(m *Message) any { return &m.Printable },
	"execution_price":                 func(m *Message) any { return &m.ExecutionPrice },
	"cross_price":                     func(m *Message) any { return &m.CrossPrice },
	"cross_type":                      func(m *Message) any { return &m.CrossType },

	"paired_shares":             func(m *Message) any { return &m.PairedShares },
	"imbalance_shares":          func(m *Message) any { return &m.ImbalanceShares },
	"imbalance_direction":       func(m *Message) any { return &m.ImbalanceDirection },
	"far_price":                 func(m *Message) any { return &m.FarPrice },
	"near_price":                func(m *Message) any { return &m.NearPrice },
	"current_reference_price":   func(m *Message) any { return &m.CurrentReferencePrice },
	"price_variation_indicator": func(m *Message) any { return &m.PriceVariationIndicator },

	"event_code":                      func(m *Message) any { return &m.EventCode },
	"trading_state":                   func(m *Message) any { return &m.TradingState },
	"reserved":                        func(m *Message) any { return &m.Reserved },
	"reason":                          func(m *Message) any { return &m.Reason },
	"reg_sho_action":                  func(m *Message) any { return &m.RegSHOAction },
	"market_code":                     func(m *Message) any { return &m.MarketCode },
	"operational_halt_action":         func(m *Message) any { return &m.OperationalHaltAction },
	"interest_flag":                   func(m *Message) any { return &m.InterestFlag },
	"breached_level":                  func(m *Message) any { return &m.BreachedLevel },
	"mpid":                            func(m *Message) any { return &m.MPID },
	"primary_market_maker":            func(m *Message) any { return &m.PrimaryMarketMaker },
	"market_maker_mode":               func(m *Message) any { return &m.MarketMakerMode },
	"market_participant_state":        func(m *Message) any { return &m.MarketParticipantState },
	"ipo_quotation_release_time":      func(m *Message) any { return &m.IPOQuotationReleaseTime },
	"ipo_quotation_release_qualifier": func(m *Message) any { return &m.IPOQuotationReleaseQualifier },
	"ipo_price":                       func(m *Message) any { return &m.IPOPrice },

	"market_category":                func(m *Message) any { return &m.MarketCategory },
	"financial_status_indicator":     func(m *Message) any { return &m.FinancialStatusIndicator },
	"round_lot_size":                 func(m *Message) any { return &m.RoundLotSize },
	"round_lots_only":                func(m *Message) any { return &m.RoundLotsOnly },
	"issue_classification":           func(m *Message) any { return &m.IssueClassification },
	"issue_sub_type":                 func(m *Message) any { return &m.IssueSubType },
	"authenticity":                   func(m *Message) any { return &m.Authenticity },
	"short_sale_threshold_indicator": func(m *Message) any { return &m.ShortSaleThresholdIndicator },
	"ipo_flag":                       func(m *Message) any { return &m.IPOFlag },
	"luld_reference_price_tier":      func(m *Message) any { return &m.LULDReferencePriceTier },
	"etp_flag":                       func(m *Message) any { return &m.ETPFlag },
	"etp_leverage_factor":            func(m *Message) any { return &m.ETPLeverageFactor },
	"inverse_indicator":              func(m *Message) any { return &m.InverseIndicator },

	"level_1": func(m *Message) any { return &m.Level1 },
	"level_2": func(m *Message) any { return &m.Level2 },
	"level_3": func(m *Message) any { return &m.Level3 },

	"auction_collar_reference_price": func(m *Message) any { return &m.AuctionCollarReferencePrice },
	"upper_auction_collar_price":     func(m *Message) any { return &m.UpperAuctionCollarPrice },
	"lower_auction_collar_price":     func(m *Message) any { return &m.LowerAuctionCollarPrice },
	"auction_collar_extension":       func(m *Message) any { return &m.AuctionCollarExtension },

	"open_eligibility_status":  func(m *Message) any { return &m.OpenEligibilityStatus },
	"minimum_allowable_price":  func(m *Message) any { return &m.MinimumAllowablePrice },
	"maximum_allowable_price":  func(m *Message) any { return &m.MaximumAllowablePrice },
	"near_execution_price":     func(m *Message) any { return &m.NearExecutionPrice },
	"near_execution_time":      func(m *Message) any { return &m.NearExecutionTime },
	"lower_price_range_collar": func(m *Message) any { return &m.LowerPriceRangeCollar },
	"upper_price_range_collar": func(m *Message) any { return &m.UpperPriceRangeCollar },
}

// getField returns the value of a field as a vector writes it: an int64 for
// an integer, a string for an alpha.
func getField(p any) tomlValue {
	switch p := p.(type) {
	case *byte:
		return tomlValue{kind: 's', str: string([]byte{*p})}
	case *[2]byte:
		return tomlValue{kind: 's', str: string(p[:])}
	case *[4]byte:
		return tomlValue{kind: 's', str: string(p[:])}
	case *[8]byte:
		return tomlValue{kind: 's', str: string(p[:])}
	case *uint16:
		return tomlValue{kind: 'i', num: int64(*p)}
	case *uint32:
		return tomlValue{kind: 'i', num: int64(*p)}
	case *uint64:
		return tomlValue{kind: 'i', num: int64(*p)}
	}
	panic(fmt.Sprintf("field of type %T", p))
}

// setField stores v in a field, failing if v's kind or width does not fit
// the field's (an alpha must have exactly the field's width).
func setField(p any, v tomlValue) error {
	alpha := func(dst []byte) error {
		if v.kind != 's' || len(v.str) != len(dst) {
			return fmt.Errorf("%v is not a %d-byte alpha", v, len(dst))
		}
		copy(dst, v.str)
		return nil
	}
	num := func(bits uint) (uint64, error) {
		if v.kind != 'i' || v.num < 0 || bits < 64 && v.num >= 1<<bits {
			return 0, fmt.Errorf("%v is not a %d-bit unsigned integer", v, bits)
		}
		return uint64(v.num), nil
	}
	switch p := p.(type) {
	case *byte:
		var b [1]byte
		err := alpha(b[:])
		*p = b[0]
		return err
	case *[2]byte:
		return alpha(p[:])
	case *[4]byte:
		return alpha(p[:])
	case *[8]byte:
		return alpha(p[:])
	case *uint16:
		n, err := num(16)
		*p = uint16(n)
		return err
	case *uint32:
		n, err := num(32)
		*p = uint32(n)
		return err
	case *uint64:
		n, err := num(64)
		*p = n
		return err
	}
	return fmt.Errorf("field of type %T", p)
}

// vector is one spec vector file, parsed.
type vector struct {
	name string
	doc  tomlDoc
	raw  []byte
	typ  byte
}

// loadVectors reads every vector file, skipping the test when the shared
// data is absent.
func loadVectors(t testing.TB) []vector {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no spec vectors in %s", vectorDir)
	}
	var vs []vector
	for _, f := range files {
		v, err := readVector(f)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		vs = append(vs, v)
	}
	return vs
}

func readVector(path string) (vector, error) {
	f, err := os.Open(path)
	if err != nil {
		return vector{}, err
	}
	defer f.Close()
	doc, err := parseTOML(f)
	if err != nil {
		return vector{}, err
	}
	v := vector{name: strings.TrimSuffix(filepath.Base(path), ".toml"), doc: doc}
	top := doc[""]
	mt, size, rawHex := top["message_type"], top["raw_size"], top["raw_hex"]
	if mt.kind != 's' || len(mt.str) != 1 {
		return v, fmt.Errorf("message_type %v is not one character", mt)
	}
	v.typ = mt.str[0]
	if rawHex.kind != 's' {
		return v, fmt.Errorf("raw_hex %v is not a string", rawHex)
	}
	v.raw, err = hex.DecodeString(strings.Join(strings.Fields(rawHex.str), ""))
	if err != nil {
		return v, fmt.Errorf("raw_hex: %v", err)
	}
	if size.kind != 'i' || size.num != int64(len(v.raw)) {
		return v, fmt.Errorf("raw_size %v, raw_hex has %d bytes", size, len(v.raw))
	}
	if len(v.raw) == 0 || v.raw[0] != v.typ {
		return v, fmt.Errorf("raw_hex does not start with message_type %q", v.typ)
	}
	return v, nil
}

// TestSpecVectors decodes every vector's bytes, compares every expected
// field, encodes the result back to the same bytes and checks the
// wrong-length cases.
func TestSpecVectors(t *testing.T) {
	vs := loadVectors(t)
	seen := map[byte]string{}
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			if prev, dup := seen[v.typ]; dup {
				t.Errorf("type %q also in %s", v.typ, prev)
			}
			seen[v.typ] = v.name
			if n, ok := BodyLen(v.typ); !ok || n != len(v.raw) {
				t.Errorf("BodyLen(%q) = %d, %v; the vector's raw_size is %d", v.typ, n, ok, len(v.raw))
			}

			var got Message
			if err := Decode(v.raw, &got); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			expected, ok := v.doc["expected_fields"]
			if !ok || len(expected) == 0 {
				t.Fatal("no [expected_fields]")
			}
			// Every expected key is compared on its own, and the Message
			// built from the expected fields alone must equal the decoded
			// one: no field the vector does not name may be set.
			var want Message
			for _, k := range slices.Sorted(maps.Keys(expected)) {
				field, known := vectorFields[k]
				if !known {
					t.Errorf("field %s: not mapped to a Message field", k)
					continue
				}
				ev := expected[k]
				if gv := getField(field(&got)); gv != ev {
					t.Errorf("field %s = %v, want %v", k, gv, ev)
				}
				if err := setField(field(&want), ev); err != nil {
					t.Errorf("field %s: %v", k, err)
				}
			}
			if got != want {
				t.Errorf("decoded\n%+v\nwant (built from [expected_fields])\n%+v", got, want)
			}

			if enc := Append(nil, &got); !bytes.Equal(enc, v.raw) {
				t.Errorf("Append = % x\nwant     % x", enc, v.raw)
			}
			if enc := Append(nil, &want); !bytes.Equal(enc, v.raw) {
				t.Errorf("Append(expected fields) = % x\nwant                     % x", enc, v.raw)
			}

			negatives := 0
			for name, sec := range v.doc {
				neg, ok := strings.CutPrefix(name, "negative.")
				if !ok {
					continue
				}
				negatives++
				t.Run(neg, func(t *testing.T) {
					var body []byte
					switch d := sec["derivation"]; d.str {
					case "remove final byte from raw_hex":
						body = v.raw[:len(v.raw)-1]
					case "append 00 to raw_hex":
						body = append(slices.Clip(v.raw), 0)
					default:
						t.Fatalf("unknown derivation %v", d)
					}
					if size := sec["size"]; size.kind != 'i' || size.num != int64(len(body)) {
						t.Fatalf("size %v, derived body has %d bytes", size, len(body))
					}
					var want error
					switch e := sec["expected_error"]; e.str {
					case "invalid_message_size":
						want = ErrSize
					default:
						t.Fatalf("unknown expected_error %v", e)
					}
					m := Message{Type: 0xee}
					err := Decode(body, &m)
					if !errors.Is(err, want) {
						t.Fatalf("Decode(%d bytes) = %v, want %v", len(body), err, want)
					}
					if m != (Message{Type: 0xee}) {
						t.Errorf("failed Decode changed m: %+v", m)
					}
					for _, s := range []string{fmt.Sprintf("%q", v.typ), fmt.Sprint(len(body)), fmt.Sprint(len(v.raw))} {
						if !strings.Contains(err.Error(), s) {
							t.Errorf("error %q does not mention %s", err, s)
						}
					}
				})
			}
			if negatives == 0 {
				t.Error("no [negative.*] case")
			}
		})
	}
	// Every type the package knows has a vector.
	for t0 := range 256 {
		if _, ok := BodyLen(byte(t0)); ok && seen[byte(t0)] == "" {
			t.Errorf("type %q has no spec vector", byte(t0))
		}
	}
}
