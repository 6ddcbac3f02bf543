package audit

import (
	"encoding/json"
	"math"
	"math/big"
	"testing"
)

// TestInt128AddMul checks sums of products against math/big, across the
// signs and the extremes of int64.
func TestInt128AddMul(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pairs [][2]int64
	}{
		{"zero", [][2]int64{{0, 0}}},
		{"small", [][2]int64{{1000, 30}, {1010, 30}}},
		{"engine-max", [][2]int64{{1 << 32, 1 << 30}, {1 << 32, 1 << 30}, {1 << 32, 1 << 30}}},
		{"negative-price", [][2]int64{{-5, 7}, {3, -2}, {-4, -4}}},
		{"int64-extremes", [][2]int64{{math.MaxInt64, math.MaxInt64}, {math.MinInt64, math.MaxInt64}, {math.MinInt64, math.MinInt64}}},
		{"back-to-zero", [][2]int64{{math.MaxInt64, 3}, {math.MaxInt64, -3}}},
		{"negative-total", [][2]int64{{math.MinInt64, 2}, {1, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var x Int128
			want := new(big.Int)
			for _, p := range tc.pairs {
				x.addMul(p[0], p[1])
				want.Add(want, new(big.Int).Mul(big.NewInt(p[0]), big.NewInt(p[1])))
			}
			if x.Big().Cmp(want) != 0 || x.String() != want.String() {
				t.Errorf("sum %s (big %s), want %s", x, x.Big(), want)
			}
			if x.Sign() != want.Sign() {
				t.Errorf("sign %d, want %d", x.Sign(), want.Sign())
			}
			f, _ := new(big.Float).SetInt(want).Float64()
			if x.Float64() != f {
				t.Errorf("float %v, want %v", x.Float64(), f)
			}
			checkJSON(t, x)
		})
	}
}

func checkJSON(t *testing.T, x Int128) {
	t.Helper()
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	var back Int128
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	if back != x {
		t.Errorf("JSON %s read back as %s", b, back)
	}
}

// TestInt128UnmarshalErrors checks that what is not an int128 is refused.
func TestInt128UnmarshalErrors(t *testing.T) {
	for _, in := range []string{`"12"`, `1.5`, `1e3`, `null`, `170141183460469231731687303715884105728`, `-170141183460469231731687303715884105729`} {
		var x Int128
		if err := json.Unmarshal([]byte(in), &x); err == nil {
			t.Errorf("%s read as %s, want an error", in, x)
		}
	}
	for _, in := range []string{`170141183460469231731687303715884105727`, `-170141183460469231731687303715884105728`} {
		var x Int128
		if err := json.Unmarshal([]byte(in), &x); err != nil || x.String() != in {
			t.Errorf("%s: %s, %v", in, x, err)
		}
	}
}

// FuzzInt128 checks addMul against math/big and the JSON round trip.
func FuzzInt128(f *testing.F) {
	f.Add(int64(1), int64(2), int64(-3), int64(4))
	f.Add(int64(math.MinInt64), int64(math.MinInt64), int64(math.MaxInt64), int64(-1))
	f.Fuzz(func(t *testing.T, a, b, c, d int64) {
		var x Int128
		x.addMul(a, b)
		x.addMul(c, d)
		want := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
		want.Add(want, new(big.Int).Mul(big.NewInt(c), big.NewInt(d)))
		if x.Big().Cmp(want) != 0 {
			t.Fatalf("%d*%d + %d*%d = %s, want %s", a, b, c, d, x.Big(), want)
		}
		checkJSON(t, x)
	})
}
