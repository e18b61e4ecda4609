"""`serve app` with a deeper shelf, for load runs: `python -m integration_lab.load.http_app --restock N app …`.

The sample catalog opens with 35 units in all (20 tea, 5 mugs, 10 beans), so from the 36th buyer on every
checkout is "out of stock" and a load run would measure the sold-out path only. This is `serve app`
exactly (the same options, the same `shop_server.build_shop`, the same uvicorn server), with N more units of
every product put on the shelf once the shop is built (`Stock.add`, what a shopkeeper restocking does);
`--restock 0` is plain `serve app`. Nothing else differs.
"""

from __future__ import annotations

import argparse
import sys

from .. import serve, shop_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m integration_lab.load.http_app",
                                     description="serve app, with N more units of every product on the shelf")
    parser.add_argument("--restock", type=int, default=0, help="units added to each product's opening stock")
    serve.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.service != "app" or args.restock < 0:
        parser.error("usage: --restock N app [serve app's options]; N >= 0")
    if args.restock:
        build = shop_server.build_shop

        async def build_and_restock(*given, **named):
            shop = await build(*given, **named)
            for sku in shop.parts.catalog:
                await shop.stock.add(sku, args.restock)
            return shop

        # serve's _serve_shop looks build_shop up on shop_server when it runs: one process, ours alone
        shop_server.build_shop = build_and_restock
    return serve.main(args)


if __name__ == "__main__":
    sys.exit(main())

