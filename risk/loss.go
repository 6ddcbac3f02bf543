package risk

import "math"

// The loss guard measures an account's profit and loss (realised plus
// marked to market, see fill) as a drawdown over the loss window: the
// highest figure seen in the window minus the current one. The window is a
// ring of nBuckets buckets holding the highest figure seen in each; the
// current bucket's lives in the account's hot line (lossCur), with the
// window's highest (lossTop), so that an execution only touches the ring when
// a bucket ends.

// resetLoss starts the loss window of account index a afresh at its current
// profit and loss.
func (g *Guard) resetLoss(a int32) {
	acc, cold := &g.accts[a], &g.acctCold[a]
	for i := range cold.lossPeak {
		cold.lossPeak[i] = math.MinInt64
	}
	cold.lossBn = g.now / g.lossWidth
	acc.lossNext = (cold.lossBn + 1) * g.lossWidth
	acc.lossTop, acc.lossCur = acc.pnl, acc.pnl
}

// rotateLoss moves the loss window of account index a to now.
func (g *Guard) rotateLoss(a int32) {
	acc, cold := &g.accts[a], &g.acctCold[a]
	bn := g.now / g.lossWidth
	if bn-cold.lossBn >= nBuckets {
		// The whole window went by: every bucket empties.
		for i := range cold.lossPeak {
			cold.lossPeak[i] = math.MinInt64
		}
	} else {
		cold.lossPeak[cold.lossBn%nBuckets] = acc.lossCur
		for s := int64(1); s <= bn-cold.lossBn; s++ {
			cold.lossPeak[(cold.lossBn+s)%nBuckets] = math.MinInt64
		}
	}
	cold.lossBn = bn
	acc.lossNext = (bn + 1) * g.lossWidth
	acc.lossCur = math.MinInt64
	acc.lossTop = math.MinInt64
	for _, p := range cold.lossPeak {
		acc.lossTop = max(acc.lossTop, p)
	}
}
