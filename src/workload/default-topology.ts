import type { Topology } from './topology.js';

/**
 * The default e-commerce system: 22 instrumented services behind a web frontend and an API gateway,
 * 7 uninstrumented databases and caches, and 2 Kafka topics with asynchronous consumers.
 * Shaped after public demo shops (OpenTelemetry demo, Online Boutique, TrainTicket).
 */
export function defaultTopology(): Topology {
  return structuredClone(DEFAULT_TOPOLOGY);
}

const auth = { service: 'auth-service', operation: 'auth.AuthService/ValidateToken', retries: 1, timeoutMs: 800 };
const price = { service: 'pricing-service', operation: 'pricing.PricingService/GetPrice' };
const product = { service: 'product-catalog', operation: 'catalog.ProductCatalog/GetProduct' };

const DEFAULT_TOPOLOGY: Topology = {
  services: {
    frontend: {
      protocol: 'http',
      instances: 4,
      language: 'nodejs',
      operations: {
        'GET /': { selfMs: 4, calls: [{ service: 'api-gateway', operation: 'GET /api/home' }] },
        'GET /product/{id}': { selfMs: 5, calls: [{ service: 'api-gateway', operation: 'GET /api/products/{id}' }] },
        'GET /search': { selfMs: 4, calls: [{ service: 'api-gateway', operation: 'GET /api/search' }] },
        'GET /cart': { selfMs: 3, calls: [{ service: 'api-gateway', operation: 'GET /api/cart' }] },
        'POST /cart': { selfMs: 3, calls: [{ service: 'api-gateway', operation: 'POST /api/cart/items' }] },
        'POST /checkout': { selfMs: 6, calls: [{ service: 'api-gateway', operation: 'POST /api/checkout' }] },
        'GET /account/orders': { selfMs: 4, calls: [{ service: 'api-gateway', operation: 'GET /api/orders' }] },
      },
    },
    'api-gateway': {
      protocol: 'http',
      instances: 3,
      language: 'go',
      operations: {
        'GET /api/home': {
          selfMs: 1.5,
          calls: [
            { service: 'product-catalog', operation: 'catalog.ProductCatalog/ListProducts' },
            { service: 'recommendation', operation: 'reco.RecommendationService/ListRecommendations', optional: true, timeoutMs: 600 },
            { service: 'ad-service', operation: 'ads.AdService/GetAds', optional: true, probability: 0.8 },
            { service: 'currency-service', operation: 'currency.CurrencyService/GetSupportedCurrencies', probability: 0.5 },
          ],
        },
        'GET /api/products/{id}': {
          selfMs: 1.5,
          calls: [
            product,
            price,
            { service: 'inventory-service', operation: 'inventory.InventoryService/CheckStock' },
            { service: 'review-service', operation: 'reviews.ReviewService/GetReviews', optional: true },
            { service: 'recommendation', operation: 'reco.RecommendationService/ListRecommendations', optional: true, timeoutMs: 600 },
          ],
        },
        'GET /api/search': {
          selfMs: 1.5,
          calls: [
            { service: 'search-service', operation: 'search.SearchService/Search' },
            { service: 'ad-service', operation: 'ads.AdService/GetAds', optional: true, probability: 0.6 },
          ],
        },
        'GET /api/cart': { selfMs: 1.2, calls: [auth, { service: 'cart-service', operation: 'cart.CartService/GetCart' }, { ...price, repeat: [1, 3], parallel: true }] },
        'POST /api/cart/items': {
          selfMs: 1.5,
          calls: [
            auth,
            { service: 'inventory-service', operation: 'inventory.InventoryService/CheckStock' },
            { service: 'cart-service', operation: 'cart.CartService/AddItem', retries: 1, timeoutMs: 1000 },
          ],
        },
        'POST /api/checkout': { selfMs: 2, calls: [auth, { service: 'checkout-service', operation: 'checkout.CheckoutService/PlaceOrder', timeoutMs: 5000 }] },
        'GET /api/orders': {
          selfMs: 1.2,
          calls: [auth, { service: 'user-service', operation: 'users.UserService/GetUser' }, { service: 'order-service', operation: 'orders.OrderService/ListOrders' }],
        },
      },
    },
    'auth-service': {
      protocol: 'grpc',
      instances: 3,
      language: 'go',
      operations: {
        'auth.AuthService/ValidateToken': {
          selfMs: 0.8,
          calls: [
            { database: 'redis-session', operation: 'GET', statement: 'GET session:{id}' },
            { database: 'users-db', operation: 'SELECT sessions', statement: 'SELECT user_id, expires_at FROM sessions WHERE token = $1', probability: 0.1 },
          ],
        },
      },
    },
    'user-service': {
      protocol: 'grpc',
      instances: 2,
      language: 'java',
      operations: {
        'users.UserService/GetUser': {
          selfMs: 2,
          calls: [{ database: 'users-db', operation: 'SELECT users', statement: 'SELECT id, name, email, tier FROM users WHERE id = $1' }],
        },
      },
    },
    'product-catalog': {
      protocol: 'grpc',
      instances: 4,
      language: 'go',
      operations: {
        'catalog.ProductCatalog/GetProduct': {
          selfMs: 1,
          calls: [
            { database: 'redis-cache', operation: 'GET', statement: 'GET product:{id}' },
            { database: 'catalog-db', operation: 'SELECT products', statement: 'SELECT * FROM products WHERE id = ?', probability: 0.3 },
          ],
        },
        'catalog.ProductCatalog/ListProducts': {
          selfMs: 3,
          calls: [
            { database: 'redis-cache', operation: 'GET', statement: 'GET products:featured' },
            { database: 'catalog-db', operation: 'SELECT products', statement: 'SELECT * FROM products ORDER BY rank LIMIT 20' },
          ],
        },
      },
    },
    'search-service': {
      protocol: 'grpc',
      instances: 3,
      language: 'java',
      operations: {
        'search.SearchService/Search': {
          selfMs: 12,
          sigma: 0.45,
          calls: [{ ...product, repeat: [2, 5], parallel: true }, { ...price, repeat: [1, 2], parallel: true }],
        },
      },
    },
    recommendation: {
      protocol: 'grpc',
      instances: 2,
      language: 'python',
      operations: {
        'reco.RecommendationService/ListRecommendations': {
          selfMs: 9,
          sigma: 0.4,
          calls: [{ ...product, repeat: [2, 4], parallel: true }],
        },
      },
    },
    'ad-service': {
      protocol: 'grpc',
      instances: 2,
      language: 'java',
      operations: { 'ads.AdService/GetAds': { selfMs: 3, calls: [{ database: 'redis-cache', operation: 'GET', statement: 'GET ads:{category}' }] } },
    },
    'review-service': {
      protocol: 'grpc',
      instances: 2,
      language: 'python',
      operations: {
        'reviews.ReviewService/GetReviews': {
          selfMs: 2.5,
          calls: [{ database: 'reviews-db', operation: 'SELECT reviews', statement: 'SELECT * FROM reviews WHERE product_id = $1 LIMIT 10' }],
        },
      },
    },
    'cart-service': {
      protocol: 'grpc',
      instances: 3,
      language: 'dotnet',
      operations: {
        'cart.CartService/GetCart': { selfMs: 1, calls: [{ database: 'redis-cart', operation: 'HGETALL', statement: 'HGETALL cart:{user}' }] },
        'cart.CartService/AddItem': { selfMs: 1.2, calls: [{ database: 'redis-cart', operation: 'HSET', statement: 'HSET cart:{user} {sku} {qty}' }, { queue: 'cart-events' }] },
        'cart.CartService/EmptyCart': { selfMs: 0.8, calls: [{ database: 'redis-cart', operation: 'DEL', statement: 'DEL cart:{user}' }] },
      },
    },
    'pricing-service': {
      protocol: 'grpc',
      instances: 3,
      language: 'go',
      operations: {
        'pricing.PricingService/GetPrice': { selfMs: 1.5, calls: [{ service: 'currency-service', operation: 'currency.CurrencyService/Convert', probability: 0.4 }] },
        'pricing.PricingService/Quote': {
          selfMs: 4,
          calls: [
            { service: 'currency-service', operation: 'currency.CurrencyService/Convert' },
            { service: 'loyalty-service', operation: 'loyalty.LoyaltyService/GetDiscount', optional: true, timeoutMs: 300 },
          ],
        },
      },
    },
    'currency-service': {
      protocol: 'grpc',
      instances: 2,
      language: 'nodejs',
      operations: {
        'currency.CurrencyService/Convert': { selfMs: 0.7 },
        'currency.CurrencyService/GetSupportedCurrencies': { selfMs: 0.5 },
      },
    },
    'inventory-service': {
      protocol: 'grpc',
      instances: 3,
      language: 'java',
      operations: {
        'inventory.InventoryService/CheckStock': {
          selfMs: 1.5,
          calls: [{ database: 'inventory-db', operation: 'SELECT stock', statement: 'SELECT quantity FROM stock WHERE sku = ?' }],
        },
        'inventory.InventoryService/Reserve': {
          selfMs: 3,
          calls: [{ database: 'inventory-db', operation: 'UPDATE stock', statement: 'UPDATE stock SET quantity = quantity - ? WHERE sku = ? AND quantity >= ?', repeat: [1, 3] }],
        },
      },
    },
    'checkout-service': {
      protocol: 'grpc',
      instances: 2,
      language: 'go',
      operations: {
        'checkout.CheckoutService/PlaceOrder': {
          selfMs: 5,
          calls: [
            { service: 'cart-service', operation: 'cart.CartService/GetCart' },
            { service: 'pricing-service', operation: 'pricing.PricingService/Quote' },
            { service: 'inventory-service', operation: 'inventory.InventoryService/Reserve' },
            { service: 'shipping-service', operation: 'shipping.ShippingService/GetQuote' },
            { service: 'payment-service', operation: 'payment.PaymentService/Charge', retries: 2, timeoutMs: 2500 },
            { service: 'order-service', operation: 'orders.OrderService/CreateOrder' },
            { service: 'shipping-service', operation: 'shipping.ShippingService/ShipOrder' },
            { service: 'cart-service', operation: 'cart.CartService/EmptyCart', optional: true },
          ],
        },
      },
    },
    'payment-service': {
      protocol: 'grpc',
      instances: 2,
      language: 'nodejs',
      operations: {
        'payment.PaymentService/Charge': {
          selfMs: 6,
          errorRate: 0.002,
          calls: [
            { service: 'fraud-detection', operation: 'fraud.FraudService/Score', timeoutMs: 1000 },
            { database: 'payments-db', operation: 'INSERT payments', statement: 'INSERT INTO payments (order_id, amount, status) VALUES ($1, $2, $3)' },
          ],
        },
      },
    },
    'fraud-detection': {
      protocol: 'grpc',
      instances: 2,
      language: 'python',
      operations: {
        'fraud.FraudService/Score': {
          selfMs: 15,
          sigma: 0.4,
          calls: [{ service: 'user-service', operation: 'users.UserService/GetUser' }],
        },
      },
    },
    'shipping-service': {
      protocol: 'grpc',
      instances: 2,
      language: 'rust',
      operations: {
        'shipping.ShippingService/GetQuote': { selfMs: 2 },
        'shipping.ShippingService/ShipOrder': { selfMs: 3, calls: [{ database: 'orders-db', operation: 'INSERT shipments', statement: 'INSERT INTO shipments (order_id, carrier) VALUES ($1, $2)' }] },
      },
    },
    'order-service': {
      protocol: 'grpc',
      instances: 3,
      language: 'java',
      operations: {
        'orders.OrderService/CreateOrder': {
          selfMs: 3,
          calls: [{ database: 'orders-db', operation: 'INSERT orders', statement: 'INSERT INTO orders (user_id, total, items) VALUES ($1, $2, $3)' }, { queue: 'order-events' }],
        },
        'orders.OrderService/ListOrders': {
          selfMs: 2,
          calls: [{ database: 'orders-db', operation: 'SELECT orders', statement: 'SELECT * FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20' }],
        },
      },
    },
    'loyalty-service': {
      protocol: 'grpc',
      instances: 2,
      language: 'kotlin',
      operations: {
        'loyalty.LoyaltyService/GetDiscount': { selfMs: 1.5, calls: [{ database: 'users-db', operation: 'SELECT loyalty', statement: 'SELECT points, tier FROM loyalty WHERE user_id = $1' }] },
        'order-events process': { selfMs: 3, calls: [{ database: 'users-db', operation: 'UPDATE loyalty', statement: 'UPDATE loyalty SET points = points + $1 WHERE user_id = $2' }] },
      },
    },
    'notification-service': {
      protocol: 'grpc',
      instances: 2,
      language: 'go',
      operations: {
        'order-events process': {
          selfMs: 2,
          calls: [
            { service: 'user-service', operation: 'users.UserService/GetUser' },
            { service: 'email-service', operation: 'email.EmailService/SendOrderConfirmation', retries: 2, timeoutMs: 2000 },
          ],
        },
      },
    },
    'email-service': {
      protocol: 'grpc',
      instances: 2,
      language: 'ruby',
      operations: { 'email.EmailService/SendOrderConfirmation': { selfMs: 25, sigma: 0.5, errorRate: 0.003 } },
    },
    'analytics-worker': {
      protocol: 'grpc',
      instances: 2,
      language: 'python',
      operations: {
        'cart-events process': {
          selfMs: 4,
          calls: [{ database: 'catalog-db', operation: 'INSERT cart_events', statement: 'INSERT INTO cart_events (user_id, sku, ts) VALUES (?, ?, ?)' }],
        },
      },
    },
  },
  databases: {
    'users-db': { system: 'postgresql', latencyMs: 2.5, port: 5432, dbName: 'users' },
    'orders-db': { system: 'postgresql', latencyMs: 4, port: 5432, dbName: 'orders' },
    'payments-db': { system: 'postgresql', latencyMs: 5, port: 5432, dbName: 'payments' },
    'reviews-db': { system: 'postgresql', latencyMs: 3, port: 5432, dbName: 'reviews' },
    'catalog-db': { system: 'mysql', latencyMs: 3, port: 3306, dbName: 'catalog' },
    'inventory-db': { system: 'mysql', latencyMs: 2.5, port: 3306, dbName: 'inventory' },
    'redis-cache': { system: 'redis', latencyMs: 0.4, port: 6379 },
    'redis-cart': { system: 'redis', latencyMs: 0.5, port: 6379 },
    'redis-session': { system: 'redis', latencyMs: 0.3, port: 6379 },
  },
  queues: {
    'order-events': {
      system: 'kafka',
      delayMs: 40,
      consumers: [
        { service: 'notification-service', operation: 'order-events process' },
        { service: 'loyalty-service', operation: 'order-events process' },
      ],
    },
    'cart-events': { system: 'kafka', delayMs: 25, consumers: [{ service: 'analytics-worker', operation: 'cart-events process' }] },
  },
  entrypoints: [
    { service: 'frontend', operation: 'GET /', weight: 24 },
    { service: 'frontend', operation: 'GET /product/{id}', weight: 30 },
    { service: 'frontend', operation: 'GET /search', weight: 14 },
    { service: 'frontend', operation: 'GET /cart', weight: 12 },
    { service: 'frontend', operation: 'POST /cart', weight: 9 },
    { service: 'frontend', operation: 'POST /checkout', weight: 7 },
    { service: 'frontend', operation: 'GET /account/orders', weight: 4 },
  ],
};
