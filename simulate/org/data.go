package org

// Static catalogs the generator draws names from. Slices, never maps, so that
// iteration order is fixed.

type teamSpec struct {
	name     string
	slug     string
	desc     string
	services []serviceSpec
}

type serviceSpec struct {
	name string
	desc string
	kind string // "api", "worker", "db", "edge", "data", "frontend": selects alert templates
}

var teamCatalog = []teamSpec{
	{"Checkout", "checkout", "Cart, checkout flow and order placement.", []serviceSpec{
		{"checkout-api", "Public checkout API used by web and mobile clients.", "api"},
		{"cart-service", "Shopping cart state and pricing previews.", "api"},
		{"order-placement-worker", "Turns confirmed carts into orders.", "worker"},
		{"checkout-web", "Server-rendered checkout pages.", "frontend"},
	}},
	{"Payments", "payments", "Payment processing, refunds and the ledger.", []serviceSpec{
		{"payments", "Payment authorization and capture.", "api"},
		{"payment-gateway", "Adapters to card networks and PSPs.", "edge"},
		{"ledger", "Double-entry ledger of money movements.", "db"},
		{"refunds-worker", "Asynchronous refund processing.", "worker"},
	}},
	{"Search", "search", "Product search and ranking.", []serviceSpec{
		{"search", "Query API in front of the search cluster.", "api"},
		{"search-indexer", "Builds and updates search indexes.", "worker"},
		{"ranking-service", "Learning-to-rank scoring.", "api"},
		{"elasticsearch-prod", "Production Elasticsearch cluster.", "db"},
	}},
	{"Identity", "identity", "Login, sessions and account security.", []serviceSpec{
		{"auth-service", "Login, tokens and sessions.", "api"},
		{"user-profile", "Customer profile storage and API.", "api"},
		{"sso-gateway", "SAML/OIDC gateway for enterprise customers.", "edge"},
	}},
	{"Platform", "platform", "Kubernetes, service mesh and shared runtime.", []serviceSpec{
		{"k8s-prod-cluster", "Production Kubernetes control plane and nodes.", "edge"},
		{"service-mesh", "Envoy sidecars and mesh control plane.", "edge"},
		{"config-service", "Dynamic configuration and feature flags.", "api"},
		{"secrets-manager", "Secret distribution to workloads.", "api"},
	}},
	{"Data Infrastructure", "data-infra", "Streaming and batch data platforms.", []serviceSpec{
		{"kafka-prod", "Production Kafka clusters.", "data"},
		{"etl-pipeline", "Nightly ETL into the warehouse.", "worker"},
		{"warehouse-loader", "Streams events into the warehouse.", "data"},
	}},
	{"Storage", "storage", "Databases, caches and object storage.", []serviceSpec{
		{"orders-db", "Primary PostgreSQL cluster for orders.", "db"},
		{"redis-cache", "Shared Redis cache tier.", "db"},
		{"blob-store", "Object storage gateway.", "api"},
	}},
	{"Networking", "networking", "Edge, DNS, load balancers and CDN.", []serviceSpec{
		{"edge-proxy", "Public load balancers and edge proxies.", "edge"},
		{"dns", "Authoritative and internal DNS.", "edge"},
		{"cdn-config", "CDN configuration and purges.", "edge"},
	}},
	{"Mobile", "mobile", "iOS and Android apps and their backends.", []serviceSpec{
		{"mobile-bff", "Backend-for-frontend for the mobile apps.", "api"},
		{"push-service", "Push notification fan-out.", "worker"},
	}},
	{"Notifications", "notifications", "Email, SMS and in-app messaging.", []serviceSpec{
		{"email-sender", "Transactional email delivery.", "worker"},
		{"sms-gateway", "SMS delivery through carriers.", "edge"},
		{"notification-prefs", "Notification preference API.", "api"},
	}},
	{"Billing", "billing", "Subscriptions, invoices and tax.", []serviceSpec{
		{"billing-api", "Subscriptions and invoices API.", "api"},
		{"invoice-generator", "Monthly invoice generation.", "worker"},
		{"tax-service", "Tax calculation.", "api"},
	}},
	{"Catalog", "catalog", "Product catalog and pricing.", []serviceSpec{
		{"catalog-api", "Product catalog read API.", "api"},
		{"pricing-engine", "Price and promotion evaluation.", "api"},
		{"inventory-sync", "Inventory synchronisation with warehouses.", "worker"},
	}},
	{"Fulfillment", "fulfillment", "Warehouses, shipping and tracking.", []serviceSpec{
		{"shipping-api", "Carrier rates and labels.", "api"},
		{"warehouse-events", "Warehouse event ingestion.", "data"},
		{"tracking-service", "Parcel tracking updates.", "api"},
	}},
	{"Observability", "observability", "Metrics, logs and tracing platforms.", []serviceSpec{
		{"metrics-pipeline", "Prometheus remote-write and long-term storage.", "data"},
		{"logging-pipeline", "Log shipping and indexing.", "data"},
		{"tracing-collector", "Trace collection.", "data"},
	}},
	{"Growth", "growth", "Experiments, recommendations and onboarding.", []serviceSpec{
		{"recommendations", "Personalised recommendations API.", "api"},
		{"experiment-service", "A/B assignment and exposure logging.", "api"},
		{"onboarding-web", "Sign-up and onboarding pages.", "frontend"},
	}},
	{"Messaging", "messaging", "Internal queues and event bus.", []serviceSpec{
		{"event-bus", "Internal event bus.", "data"},
		{"job-scheduler", "Distributed cron and job scheduling.", "worker"},
	}},
	{"Risk", "risk", "Fraud detection and trust & safety.", []serviceSpec{
		{"fraud-scoring", "Real-time fraud scoring.", "api"},
		{"risk-rules", "Rule engine for risk decisions.", "api"},
		{"kyc-service", "Identity verification.", "api"},
	}},
	{"Ads", "ads", "Ad serving and reporting.", []serviceSpec{
		{"ad-server", "Ad decision and serving.", "api"},
		{"ads-reporting", "Advertiser reporting.", "worker"},
	}},
	{"Edge Web", "web", "Public website and storefront.", []serviceSpec{
		{"storefront", "Public storefront web app.", "frontend"},
		{"image-resizer", "On-the-fly image resizing.", "api"},
		{"graphql-gateway", "GraphQL gateway for web clients.", "api"},
	}},
	{"Developer Productivity", "devprod", "CI/CD and internal tooling.", []serviceSpec{
		{"ci-runners", "CI runners and build cache.", "worker"},
		{"deploy-pipeline", "Deployment orchestration.", "worker"},
		{"artifact-registry", "Container and package registry.", "api"},
	}},
}

var firstNames = []string{
	"Alice", "Bilal", "Carmen", "Dmitri", "Elena", "Farah", "Gustavo", "Hana", "Ivan", "Jasmine",
	"Kenji", "Lena", "Mateo", "Nadia", "Oliver", "Priya", "Quentin", "Rosa", "Samir", "Tessa",
	"Umar", "Valeria", "Wei", "Ximena", "Yusuf", "Zoe", "Aaron", "Beatriz", "Chen", "Daniela",
	"Emeka", "Freya", "Goran", "Helga", "Isaac", "Julia", "Kwame", "Lucia", "Marcus", "Noor",
	"Oskar", "Paula", "Rafael", "Sofia", "Tomasz", "Ugo", "Vera", "Wanjiru", "Xavier", "Yara",
}

var lastNames = []string{
	"Anderson", "Bianchi", "Chowdhury", "Dubois", "Eriksson", "Fernandes", "Garcia", "Hoffmann",
	"Ivanova", "Johansson", "Kowalski", "Lindqvist", "Mensah", "Nakamura", "Okafor", "Petrov",
	"Quinn", "Rossi", "Schneider", "Tanaka", "Ueda", "Varga", "Williams", "Xu", "Yilmaz", "Zimmermann",
	"Almeida", "Brennan", "Costa", "Delgado", "Estrada", "Fischer", "Gupta", "Haddad", "Ibrahim",
	"Jansen", "Kim", "Larsen", "Moreau", "Novak",
}

// timeZones are users' Jira/PagerDuty time zones with their relative weights.
// Australia/Brisbane is UTC+10 without DST and America/Los_Angeles is UTC-8/-7.
var timeZones = []struct {
	name   string
	weight float64
}{
	{"America/Los_Angeles", 3},
	{"America/New_York", 3},
	{"America/Denver", 1},
	{"Europe/London", 2},
	{"Europe/Berlin", 2},
	{"Asia/Kolkata", 1.5},
	{"Australia/Brisbane", 1},
	{"Asia/Tokyo", 0.5},
	{"UTC", 0.5},
}

var regions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"}

var externalDeps = []string{
	"the card processor", "the SMS carrier", "the identity provider", "the CDN provider",
	"the cloud provider's load balancer", "the email delivery provider", "the tax rate API",
	"the managed Kafka service", "the object storage service", "the geocoding API",
}

var certDomains = []string{
	"api.shop.example.com", "checkout.example.com", "*.internal.example.net", "auth.example.com",
	"partners.example.com", "cdn.example-static.com", "grpc.mesh.example.net",
}
