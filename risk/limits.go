package risk

import "strconv"

// Limit identifies one risk limit. The ids are the Arg of an
// event.KindSetLimit and are part of the feed and journal formats: never
// renumber them, only append. Every limit has a configuration key (its
// [Limit.String]); its value is an integer in the unit its key names (lots,
// whole US dollars, basis points, ticks, nanoseconds for durations, 0 or 1
// for a switch). A limit of 0 is no limit, unless said otherwise.
//
// A limit applies to some of three scopes: every account (the [defaults]
// section, overridden by [account N]), every symbol ([symbols], overridden by
// [symbol NAME]), and the engine as a whole ([global]). Where a pre-trade
// limit exists for both an account and a symbol, an order must satisfy both.
type Limit uint16

// Limits. Windowed limits (the output-volume ceilings and anomaly floors)
// take three consecutive ids, one per window of [Config.Windows]: the id of
// window w is the base id + w.
const (
	LimitInvalid Limit = 0
	// LimitMaxOrderQty: largest quantity of one order, lots. Account, symbol.
	LimitMaxOrderQty Limit = 1
	// LimitMaxOrderNotional: largest notional (price times quantity) of one
	// order, USD. Account, symbol.
	LimitMaxOrderNotional Limit = 2
	// LimitMaxNetPosition: largest net position of an account in a symbol,
	// lots, counting open orders as if they filled (see the package
	// documentation). Account, symbol.
	LimitMaxNetPosition Limit = 3
	// LimitMaxGrossPosition: largest gross position of an account in a
	// symbol (position plus open orders of both sides), lots. Account,
	// symbol.
	LimitMaxGrossPosition Limit = 4
	// LimitCollarBps: the price collar around the reference price, basis
	// points. Symbol.
	LimitCollarBps Limit = 5
	// LimitCollarTicks: the price collar in ticks; the collar is the larger
	// of the two. Symbol.
	LimitCollarTicks Limit = 6
	// LimitRefPrice: the configured reference price, ticks (0 = none).
	// Symbol.
	LimitRefPrice Limit = 7
	// LimitRequireReference: 1 rejects an order that has no reference price
	// with ReasonNoReference, 0 lets it pass without a collar. Symbol.
	LimitRequireReference Limit = 8
	// LimitMaxOpenOrders: most open orders of an account. Account.
	LimitMaxOpenOrders Limit = 9
	// LimitCredit: most credit an account may use, USD: notional of its
	// open buy orders plus its long positions at cost. Account.
	LimitCredit Limit = 10
	// LimitMaxLoss: largest loss (realised plus marked to market) over
	// Config.LossWindow, USD. Account.
	LimitMaxLoss Limit = 11
	// LimitMsgsPerSec: the message token bucket's rate. Account, global.
	LimitMsgsPerSec Limit = 12
	// LimitMsgBurst: the message token bucket's size. Account, global.
	LimitMsgBurst Limit = 13
	// LimitOrdersPerSec: the new-order token bucket's rate. Account, global.
	LimitOrdersPerSec Limit = 14
	// LimitOrderBurst: the new-order token bucket's size. Account, global.
	LimitOrderBurst Limit = 15
	// LimitBreakerBreaches: bucket breaches within LimitBreakerWindow that
	// open the rate breaker. Account, global.
	LimitBreakerBreaches Limit = 16
	// LimitBreakerWindow: the window breaches are counted over, ns.
	// Account, global.
	LimitBreakerWindow Limit = 17
	// LimitBreakerCooldown: how long an open breaker stays open, ns.
	// Account, global.
	LimitBreakerCooldown Limit = 18
	// LimitBreakerProbe: how long a half-open breaker must go without a
	// breach to close, ns. Account, global.
	LimitBreakerProbe Limit = 19
	// LimitParentExcess: child orders rejected with ReasonParentExceeded
	// within LimitParentWindow that trip the account's kill switch
	// (ReasonOutVsIn). Account.
	LimitParentExcess Limit = 20
	// LimitParentWindow: the window parent excesses are counted over, ns.
	// Account.
	LimitParentWindow Limit = 21
	// LimitRestricted: 1 restricts the symbol for the account (orders are
	// rejected with ReasonRestricted), 0 lifts it. Set at run time for an
	// account and a symbol together; in the configuration, the key
	// restricted of an [account N] section lists symbol names.
	LimitRestricted Limit = 22

	// LimitMaxExecs: most executions in a window. Account (its fills),
	// symbol, global.
	LimitMaxExecs Limit = 32
	// LimitMaxQtyTraded: most traded quantity in a window, lots. Account,
	// symbol, global.
	LimitMaxQtyTraded Limit = 35
	// LimitMaxNotionalTraded: most traded notional in a window, USD.
	// Account, symbol, global.
	LimitMaxNotionalTraded Limit = 38
	// LimitFloorExecs: executions in a window below which the learned
	// baseline never trips (0: the anomaly detector is off). Account,
	// symbol, global.
	LimitFloorExecs Limit = 41
	// LimitFloorQty: the anomaly floor of traded quantity, lots.
	LimitFloorQty Limit = 44
	// LimitFloorNotional: the anomaly floor of traded notional, USD.
	LimitFloorNotional Limit = 47

	// LimitApproveQty: quantity of one order, lots, above which the order
	// is held for an operator's approval (event.OutHeld,
	// ReasonApproveQty). Account, symbol: the tighter applies.
	LimitApproveQty Limit = 50
	// LimitApproveNotional: notional of one order, USD, above which the
	// order is held for an operator's approval (ReasonApproveNotional).
	// Account, symbol: the tighter applies.
	LimitApproveNotional Limit = 51

	// numLimits is one past the last limit id. Part of the state
	// encoding (version 3; versions 1 and 2 hold 50 limits per scope).
	numLimits Limit = 52

	// LimitGlobal, or-ed into the Arg of a KindSetLimit with Account and
	// Symbol both event.Any, sets the engine-wide value of a limit that has
	// a global scope rather than the default of every account.
	LimitGlobal Limit = 0x8000
)

// NumWindows is the number of sliding windows of the output-volume
// detectors.
const NumWindows = 3

// scope is a set of the scopes a limit applies to.
type scope uint8

const (
	scopeAccount scope = 1 << iota
	scopeSymbol
	scopeGlobal
)

// unit is how a limit's value is written and converted.
type unit uint8

const (
	unitCount    unit = iota // a plain number
	unitLots                 // lots
	unitUSD                  // whole US dollars, converted to tick-lots
	unitBps                  // basis points, 0 to 10000
	unitTicks                // ticks
	unitDuration             // ns, written with a unit (1s, 250ms)
	unitSwitch               // 0 or 1, written yes/no
	unitRate                 // per second
)

// limitInfo describes a limit: its key, scopes, unit and range (0 to max).
type limitInfo struct {
	key      string
	scopes   scope
	unit     unit
	max      int64
	windowed bool // base id of NumWindows consecutive ids
}

// Ranges of values.
const (
	maxUSD       = 1_000_000_000_000 // $1T
	maxLots      = 1 << 40
	maxCount     = 1 << 40
	maxRate      = 100_000_000     // 1e8 per second
	maxBurst     = 1_000_000_000   // 1e9 tokens
	maxDuration  = 24 * 3600 * 1e9 // a day
	maxExecCount = 1 << 40
)

var limitInfos = [numLimits]limitInfo{
	LimitMaxOrderQty:       {key: "max_order_qty", scopes: scopeAccount | scopeSymbol, unit: unitLots, max: maxLots},
	LimitMaxOrderNotional:  {key: "max_order_notional_usd", scopes: scopeAccount | scopeSymbol, unit: unitUSD, max: maxUSD},
	LimitMaxNetPosition:    {key: "max_net_position", scopes: scopeAccount | scopeSymbol, unit: unitLots, max: maxLots},
	LimitMaxGrossPosition:  {key: "max_gross_position", scopes: scopeAccount | scopeSymbol, unit: unitLots, max: maxLots},
	LimitCollarBps:         {key: "collar_bps", scopes: scopeSymbol, unit: unitBps, max: 10000},
	LimitCollarTicks:       {key: "collar_ticks", scopes: scopeSymbol, unit: unitTicks, max: 1 << 32},
	LimitRefPrice:          {key: "ref_price_ticks", scopes: scopeSymbol, unit: unitTicks, max: 1 << 32},
	LimitRequireReference:  {key: "require_reference", scopes: scopeSymbol, unit: unitSwitch, max: 1},
	LimitMaxOpenOrders:     {key: "max_open_orders", scopes: scopeAccount, unit: unitCount, max: maxCount},
	LimitCredit:            {key: "credit_usd", scopes: scopeAccount, unit: unitUSD, max: maxUSD},
	LimitMaxLoss:           {key: "max_loss_usd", scopes: scopeAccount, unit: unitUSD, max: maxUSD},
	LimitMsgsPerSec:        {key: "msgs_per_sec", scopes: scopeAccount | scopeGlobal, unit: unitRate, max: maxRate},
	LimitMsgBurst:          {key: "msg_burst", scopes: scopeAccount | scopeGlobal, unit: unitCount, max: maxBurst},
	LimitOrdersPerSec:      {key: "orders_per_sec", scopes: scopeAccount | scopeGlobal, unit: unitRate, max: maxRate},
	LimitOrderBurst:        {key: "order_burst", scopes: scopeAccount | scopeGlobal, unit: unitCount, max: maxBurst},
	LimitBreakerBreaches:   {key: "breaker_breaches", scopes: scopeAccount | scopeGlobal, unit: unitCount, max: maxCount},
	LimitBreakerWindow:     {key: "breaker_window", scopes: scopeAccount | scopeGlobal, unit: unitDuration, max: maxDuration},
	LimitBreakerCooldown:   {key: "breaker_cooldown", scopes: scopeAccount | scopeGlobal, unit: unitDuration, max: maxDuration},
	LimitBreakerProbe:      {key: "breaker_probe", scopes: scopeAccount | scopeGlobal, unit: unitDuration, max: maxDuration},
	LimitParentExcess:      {key: "parent_excess", scopes: scopeAccount, unit: unitCount, max: maxCount},
	LimitParentWindow:      {key: "parent_window", scopes: scopeAccount, unit: unitDuration, max: maxDuration},
	LimitRestricted:        {key: "restricted", scopes: 0, unit: unitSwitch, max: 1},
	LimitMaxExecs:          {key: "max_execs", scopes: scopeAccount | scopeSymbol | scopeGlobal, unit: unitCount, max: maxExecCount, windowed: true},
	LimitMaxQtyTraded:      {key: "max_qty_traded", scopes: scopeAccount | scopeSymbol | scopeGlobal, unit: unitLots, max: maxLots * 1024, windowed: true},
	LimitMaxNotionalTraded: {key: "max_notional_traded_usd", scopes: scopeAccount | scopeSymbol | scopeGlobal, unit: unitUSD, max: maxUSD, windowed: true},
	LimitFloorExecs:        {key: "anomaly_floor_execs", scopes: scopeAccount | scopeSymbol | scopeGlobal, unit: unitCount, max: maxExecCount, windowed: true},
	LimitFloorQty:          {key: "anomaly_floor_qty", scopes: scopeAccount | scopeSymbol | scopeGlobal, unit: unitLots, max: maxLots * 1024, windowed: true},
	LimitFloorNotional:     {key: "anomaly_floor_notional_usd", scopes: scopeAccount | scopeSymbol | scopeGlobal, unit: unitUSD, max: maxUSD, windowed: true},
	LimitApproveQty:        {key: "approve_qty", scopes: scopeAccount | scopeSymbol, unit: unitLots, max: maxLots},
	LimitApproveNotional:   {key: "approve_notional_usd", scopes: scopeAccount | scopeSymbol, unit: unitUSD, max: maxUSD},
}

// info returns the description of l, and false for an id that is not a
// limit. A windowed limit's later ids share the base id's description.
func (l Limit) info() (limitInfo, Limit, bool) {
	if l >= numLimits {
		return limitInfo{}, 0, false
	}
	for w := Limit(0); w < NumWindows && l >= w; w++ {
		if li := limitInfos[l-w]; li.key != "" {
			if w > 0 && !li.windowed {
				break
			}
			return li, l - w, true
		}
	}
	return limitInfo{}, 0, false
}

// Valid reports whether l is a defined limit id (without LimitGlobal).
func (l Limit) Valid() bool {
	_, _, ok := l.info()
	return ok
}

// String returns the limit's configuration key; for a windowed limit, the
// key and the window number after a slash ("max_execs/1" for the second
// window).
func (l Limit) String() string {
	g := ""
	if l&LimitGlobal != 0 {
		g, l = "global:", l&^LimitGlobal
	}
	li, base, ok := l.info()
	if !ok {
		return g + "limit" + strconv.Itoa(int(l))
	}
	if li.windowed {
		return g + li.key + "/" + strconv.Itoa(int(l-base))
	}
	return g + li.key
}

// LimitByKey returns the limit with configuration key key (for a windowed
// limit, its first window), and false when there is none.
func LimitByKey(key string) (Limit, bool) {
	for l := range numLimits {
		if limitInfos[l].key == key && key != "" {
			return l, true
		}
	}
	return 0, false
}
