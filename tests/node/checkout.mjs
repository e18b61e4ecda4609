// stripe-node, unmodified, against the lab's served Stripe fake: a Price, a Checkout Session for it, the
// session completed through the fake's control route, then retrieved. Prints one JSON line for the test.
// Usage: node checkout.mjs http://127.0.0.1:<port>
import Stripe from 'stripe';

const base = new URL(process.argv[2]);
const stripe = new Stripe('sk_test_node', {
  host: base.hostname, port: Number(base.port), protocol: base.protocol.replace(':', ''), maxNetworkRetries: 0,
});

const price = await stripe.prices.create({currency: 'usd', unit_amount: 1250, product_data: {name: 'Green tea'}});
const session = await stripe.checkout.sessions.create({
  mode: 'payment', success_url: 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}',
  line_items: [{price: price.id, quantity: 2}], metadata: {order: 'node-1'},
});
const items = await stripe.checkout.sessions.listLineItems(session.id);
let declined = null;
try {
  await stripe.checkout.sessions.create({mode: 'subscription', success_url: 'https://shop.example/x',
    line_items: [{price: price.id, quantity: 1}]});
} catch (error) {
  declined = {type: error.type, message: error.message, status: error.statusCode};
}
const answer = await fetch(new URL(`/_lab/checkout/sessions/${session.id}/complete`, base),
  {method: 'POST', body: JSON.stringify({payment_method: 'pm_card_visa'})});
const done = await stripe.checkout.sessions.retrieve(session.id, {expand: ['payment_intent']});
console.log(JSON.stringify({
  open: {status: session.status, amount_total: session.amount_total, url: session.url},
  items: items.data.map((i) => [i.price.id === price.id, i.quantity, i.amount_total]),
  refused: declined, control_status: answer.status,
  done: {status: done.status, payment_status: done.payment_status, pi_status: done.payment_intent.status},
}));
