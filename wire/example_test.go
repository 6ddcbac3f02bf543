package wire_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/wire"
)

func ExampleCSVDecoder() {
	const feed = `# ts,new,symbol,account,id,side,type,price,qty
100,new,AAPL,7,1,buy,limit,18950,100
101,new,AAPL,8,2,sell,ioc,18950,60,cancel-both
102,cancel,7,1
103,new,AAPL,9,3,up,limit,1,1
,halt,AAPL
`
	d := wire.NewCSVDecoder(strings.NewReader(feed))
	for {
		var in event.In
		err := d.Next(&in)
		if err == io.EOF {
			break
		}
		var de *wire.DecodeError
		if errors.As(err, &de) {
			fmt.Println("skipped:", de)
			continue
		}
		if err != nil {
			panic(err)
		}
		switch in.Kind {
		case event.KindSymbol:
			name, _ := event.UnpackName(in.Aux)
			fmt.Printf("ts=%d symbol id=%d name=%s\n", in.TS, in.Symbol, name)
		case event.KindNew:
			fmt.Printf("ts=%d new sym=%d acct=%d id=%d %v %v %d@%d stp=%v\n", in.TS, in.Symbol, in.Account, in.ID, in.Side, in.Type, in.Qty, in.Price, in.STP)
		default:
			fmt.Printf("ts=%d %v acct=%d id=%d sym=%d\n", in.TS, in.Kind, in.Account, in.ID, in.Symbol)
		}
	}
	// Output:
	// ts=100 symbol id=0 name=AAPL
	// ts=100 new sym=0 acct=7 id=1 buy limit 100@18950 stp=none
	// ts=101 new sym=0 acct=8 id=2 sell ioc 60@18950 stp=cancel-both
	// ts=102 cancel acct=7 id=1 sym=0
	// skipped: wire: line 5: bad side "up" (field 6, side)
	// ts=0 halt acct=0 id=0 sym=0
}
