package risk

import (
	"fmt"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
)

// checkBooks verifies the guard's bookkeeping against the matcher: every
// account's open orders and every position's open quantity and notional
// equal what rests in the books, and every account's credit is its open buy
// notional plus its long positions at cost.
func checkBooks(g *Guard) error {
	type key struct {
		acct uint32
		sym  uint32
	}
	orders := map[uint32]int64{}
	open := map[key][2]int64{}
	openN := map[key][2]int64{}
	g.m.EachOrder(func(o matcher.OrderInfo) {
		orders[o.Account]++
		k := key{o.Account, o.Symbol}
		s := sideIndex(o.Side)
		q, n := open[k], openN[k]
		q[s] += o.Qty
		n[s] += o.Qty * o.Price
		open[k], openN[k] = q, n
	})
	credit := map[uint32]int64{}
	for i, p := range g.pt.hot {
		if !p.used {
			continue
		}
		pc := &g.pt.cold[i]
		acc := &g.accts[p.acct]
		k := key{acc.id, p.sym()}
		if p.open != open[k] {
			return fmt.Errorf("account %d symbol %d: open %v, books %v", acc.id, p.sym(), p.open, open[k])
		}
		if p.net != pc.filled[0]-pc.filled[1] {
			return fmt.Errorf("account %d symbol %d: net %d, filled %v", acc.id, p.sym(), p.net, pc.filled)
		}
		if p.net <= 0 && pc.cost != 0 || p.net > 0 && pc.cost <= 0 {
			return fmt.Errorf("account %d symbol %d: net %d at cost %d", acc.id, p.sym(), p.net, pc.cost)
		}
		credit[acc.id] += openN[k][0] + pc.cost
	}
	for i := range g.accts {
		a := &g.accts[i]
		if int64(a.openOrders) != orders[a.id] {
			return fmt.Errorf("account %d: %d open orders, books %d", a.id, a.openOrders, orders[a.id])
		}
		if a.credit != credit[a.id] {
			return fmt.Errorf("account %d: credit %d, positions sum to %d", a.id, a.credit, credit[a.id])
		}
	}
	_ = event.Any
	return nil
}
