//! The generated codebase of the speed benchmark: a `src/` layout with one package per hundred
//! files (SQLAlchemy model modules, services importing them in every style, HTTP handlers), a
//! pytest tree, and a Flask-SQLAlchemy portal. It holds `planted(n)` duplicates in each form that
//! dedupe-models handles, and [`generate`] returns the findings a check must report for them:
//!
//! - same base: a legacy module declares a table of the shared `Base` again;
//! - second base: a module with its own `declarative_base()` declares a table of the shared one
//!   again, with a foreign key into a table only the shared base has (DM003 and DM001);
//! - dual import path: a test imports a model module as `src.acme...` (DM002);
//! - Flask-SQLAlchemy implicit names: `class PortalX(db.Model)` names its table `portal_x`, and
//!   another class declares `__tablename__ = "portal_x"`;
//! - association tables: `Table("..._tags", Base.metadata, ...)` declared in two modules.
//!
//! Generation is deterministic (fixed seed, an LCG).

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

pub const MIN_FILES: usize = 400;
const SEED: u64 = 0xDEDE_0DE1_5EED_2024;

/// Duplicates planted in each form: 2 in 1,000 files, 5 in 10,000.
pub fn planted(n: usize) -> usize {
    (n / 2000).max(2)
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        (self.next() % n as u64) as usize
    }

    /// `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Up to `k` distinct items, in their original order.
    fn sample<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let k = k.min(items.len());
        let mut chosen: Vec<usize> = Vec::with_capacity(k);
        while chosen.len() < k {
            let i = self.below(items.len());
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        chosen.sort_unstable();
        chosen.into_iter().map(|i| items[i].clone()).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

const PACKAGES: &[&str] = &[
    "billing",
    "orders",
    "inventory",
    "shipping",
    "customers",
    "catalog",
    "pricing",
    "payments",
    "invoicing",
    "accounts",
    "auth",
    "users",
    "teams",
    "projects",
    "tasks",
    "calendar",
    "messaging",
    "notifications",
    "email",
    "sms",
    "search",
    "analytics",
    "reporting",
    "dashboards",
    "audit",
    "compliance",
    "risk",
    "fraud",
    "loyalty",
    "promotions",
    "coupons",
    "reviews",
    "ratings",
    "recommendations",
    "content",
    "media",
    "documents",
    "storage",
    "exports",
    "imports",
    "integrations",
    "webhooks",
    "scheduling",
    "bookings",
    "rooms",
    "fleet",
    "vehicles",
    "routing",
    "dispatch",
    "warehouses",
    "procurement",
    "suppliers",
    "contracts",
    "legal",
    "hr",
    "payroll",
    "recruiting",
    "onboarding",
    "training",
    "surveys",
    "feedback",
    "support",
    "helpdesk",
    "chat",
    "knowledge",
    "forums",
    "events",
    "ticketing",
    "venues",
    "subscriptions",
    "plans",
    "metering",
    "quotas",
    "usage",
    "ledger",
    "treasury",
    "tax",
    "currency",
    "forex",
    "budgets",
    "forecasting",
    "planning",
    "manufacturing",
    "quality",
    "maintenance",
    "assets",
    "devices",
    "telemetry",
    "alerts",
    "monitoring",
    "incidents",
    "oncall",
    "deployments",
    "releases",
    "features",
    "experiments",
    "localization",
    "geography",
    "identity",
    "tenants",
];

const ENTITIES: &[&str] = &[
    "account",
    "address",
    "invoice",
    "payment",
    "order",
    "item",
    "product",
    "price",
    "discount",
    "coupon",
    "cart",
    "shipment",
    "parcel",
    "carrier",
    "warehouse",
    "stock",
    "supplier",
    "customer",
    "contact",
    "lead",
    "campaign",
    "message",
    "notification",
    "template",
    "report",
    "metric",
    "event",
    "visit",
    "token",
    "role",
    "permission",
    "team",
    "member",
    "project",
    "task",
    "comment",
    "attachment",
    "document",
    "folder",
    "tag",
    "category",
    "review",
    "subscription",
    "plan",
    "feature",
    "quota",
    "usage",
    "audit",
    "ledger",
    "journal",
    "budget",
    "forecast",
    "employee",
    "payslip",
    "shift",
    "booking",
    "room",
    "vehicle",
    "route",
    "zone",
    "device",
    "sensor",
    "alert",
    "ticket",
    "queue",
    "job",
    "schedule",
    "webhook",
    "integration",
    "credential",
    "region",
    "channel",
    "segment",
    "vendor",
    "contract",
    "milestone",
];

const SERVICE_KINDS: &[&str] = &[
    "service",
    "repository",
    "handlers",
    "schemas",
    "utils",
    "validators",
    "tasks",
    "client",
    "serializers",
    "views",
    "queries",
    "events",
    "forms",
    "policies",
    "exporters",
    "workflows",
    "selectors",
    "mappers",
    "commands",
    "signals",
];

const VERBS: &[&str] = &[
    "get",
    "list",
    "create",
    "update",
    "delete",
    "sync",
    "build",
    "refresh",
    "export",
    "validate",
    "normalize",
    "resolve",
    "compute",
    "archive",
    "notify",
    "load",
    "render",
    "merge",
    "score",
    "schedule",
];

const TEST_GROUPS: &[&str] = &[
    "unit",
    "integration",
    "api",
    "services",
    "models",
    "regression",
    "contracts",
    "smoke",
    "functional",
    "acceptance",
];

/// attr, classic `Column(...)` (`§` = `sa.` or nothing), `Mapped[...]` type, `mapped_column(...)`.
const COLUMNS: &[(&str, &str, &str, &str)] = &[
    (
        "name",
        "§Column(§String(120), nullable=False)",
        "str",
        "mapped_column(String(120))",
    ),
    (
        "code",
        "§Column(§String(32), nullable=False, unique=True)",
        "str",
        "mapped_column(String(32), unique=True)",
    ),
    (
        "status",
        "§Column(§String(20), nullable=False, default=\"pending\")",
        "str",
        "mapped_column(String(20), default=\"pending\")",
    ),
    (
        "amount",
        "§Column(§Numeric(12, 2), nullable=False, default=0)",
        "Decimal",
        "mapped_column(Numeric(12, 2), default=0)",
    ),
    (
        "quantity",
        "§Column(§Integer, nullable=False, default=1)",
        "int",
        "mapped_column(default=1)",
    ),
    (
        "is_active",
        "§Column(§Boolean, nullable=False, default=True)",
        "bool",
        "mapped_column(Boolean, default=True)",
    ),
    (
        "notes",
        "§Column(§Text)",
        "Optional[str]",
        "mapped_column(Text)",
    ),
    (
        "payload",
        "§Column(§JSON, nullable=True)",
        "Optional[dict]",
        "mapped_column(JSON)",
    ),
    (
        "external_ref",
        "§Column(§String(64), index=True)",
        "Optional[str]",
        "mapped_column(String(64), index=True)",
    ),
    (
        "starts_at",
        "§Column(§DateTime(timezone=True))",
        "Optional[dt.datetime]",
        "mapped_column(DateTime(timezone=True))",
    ),
    (
        "score",
        "§Column(§Float, default=0.0)",
        "float",
        "mapped_column(Float, default=0.0)",
    ),
    (
        "position",
        "§Column(§SmallInteger, nullable=False, server_default=\"0\")",
        "int",
        "mapped_column(SmallInteger, server_default=\"0\")",
    ),
    (
        "email",
        "§Column(§String(254), index=True)",
        "Optional[str]",
        "mapped_column(String(254), index=True)",
    ),
    (
        "currency",
        "§Column(§String(3), nullable=False, server_default=\"EUR\")",
        "str",
        "mapped_column(String(3), server_default=\"EUR\")",
    ),
    (
        "version_id",
        "§Column(§Integer, nullable=False, default=1)",
        "int",
        "mapped_column(Integer, default=1)",
    ),
];

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            let first = chars.next().unwrap().to_ascii_uppercase();
            std::iter::once(first).chain(chars).collect::<String>()
        })
        .collect()
}

fn plural(word: &str) -> String {
    if word.ends_with('s') || word.ends_with('x') || word.ends_with("ch") || word.ends_with("sh") {
        format!("{word}es")
    } else if word.ends_with('y')
        && !word.ends_with("ay")
        && !word.ends_with("ey")
        && !word.ends_with("oy")
    {
        format!("{}ies", &word[..word.len() - 1])
    } else {
        format!("{word}s")
    }
}

/// Replaces `@key@` markers; Python braces stay as they are.
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in vars {
        out = out.replace(&format!("@{key}@"), value);
    }
    debug_assert!(
        !out.contains("@fn@") && !out.contains("@M@"),
        "unfilled marker in:\n{out}"
    );
    out
}

/// Names already bound in one Python scope.
#[derive(Default)]
struct Names(HashSet<String>);

impl Names {
    fn fresh(&mut self, base: &str, sep: &str) -> String {
        if self.0.insert(base.to_owned()) {
            return base.to_owned();
        }
        (2..)
            .map(|k| format!("{base}{sep}{k}"))
            .find(|c| self.0.insert(c.clone()))
            .unwrap()
    }

    fn take(&mut self, name: &str) -> bool {
        self.0.insert(name.to_owned())
    }
}

// ---------------------------------------------------------------------------------------------
// The plan: every file, what it defines and what it imports
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Fixed,
    PkgInit,
    PkgDb,
    Models,
    Legacy,
    Reporting,
    Links,
    PortalInit,
    PortalDb,
    PortalModels,
    PortalLegacy,
    PortalApp,
    Service,
    Api,
    Test,
    GroupInit,
    GroupConftest,
}

struct Module {
    rel: String,
    name: String,
    stem: String,
    pkg: Option<usize>,
    group: Option<usize>,
    kind: Kind,
    noun: &'static str,
    /// Public functions (services) that other modules import.
    funcs: Vec<String>,
    /// Model classes (model and legacy modules).
    classes: Vec<usize>,
    /// Module-level project imports.
    imports: Vec<usize>,
    /// Imports inside functions (may point anywhere, cycles included).
    local_imports: Vec<usize>,
}

struct ModelClass {
    name: String,
    table: String,
    entity: &'static str,
    module: usize,
    /// 0: the shared base in acme.core.db; p + 1: the own base of package p.
    base: usize,
    /// The class the foreign key points at; itself for a self-reference.
    fk: usize,
}

struct Package {
    name: &'static str,
    own_base: bool,
    /// Its regular model modules (not the planted duplicates).
    models: Vec<usize>,
    services: Vec<usize>,
    api: usize,
}

struct Plan {
    modules: Vec<Module>,
    classes: Vec<ModelClass>,
    packages: Vec<Package>,
    groups: Vec<&'static str>,
    /// Same base: (original class, legacy class).
    duplicates: Vec<(usize, usize)>,
    associations: Vec<Association>,
    /// Test modules that import their first model module under its `src.` name.
    stray_tests: Vec<usize>,
}

/// An association table declared in a model module and again in a `links_*` module.
struct Association {
    table: String,
    var: String,
    /// The class whose rows the table tags.
    owner: usize,
    links: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    SameBase,
    SecondBase,
    Association,
}

impl Module {
    /// Defines tables: importing it registers them.
    fn is_model(&self) -> bool {
        matches!(
            self.kind,
            Kind::Models | Kind::Legacy | Kind::Reporting | Kind::Links
        )
    }

    /// A planted duplicate: its importers take everything it defines.
    fn is_planted(&self) -> bool {
        matches!(self.kind, Kind::Legacy | Kind::Reporting | Kind::Links)
    }
}

impl Plan {
    fn push(&mut self, kind: Kind, rel: String, pkg: Option<usize>, noun: &'static str) -> usize {
        let name = module_name(&rel);
        let stem = rel
            .rsplit('/')
            .next()
            .unwrap()
            .trim_end_matches(".py")
            .to_owned();
        self.modules.push(Module {
            rel,
            name,
            stem,
            pkg,
            group: None,
            kind,
            noun,
            funcs: Vec::new(),
            classes: Vec::new(),
            imports: Vec::new(),
            local_imports: Vec::new(),
        });
        self.modules.len() - 1
    }

    fn class_names(&self, module: usize) -> Vec<String> {
        self.modules[module]
            .classes
            .iter()
            .map(|&c| self.classes[c].name.clone())
            .collect()
    }
}

const FIXED_SRC: &[&str] = &[
    "src/acme/__init__.py",
    "src/acme/core/__init__.py",
    "src/acme/core/db.py",
    "src/acme/core/http.py",
    "src/acme/core/utils.py",
    "src/acme/core/config.py",
];
const FIXED_LATE: &[&str] = &[
    "src/acme/app.py",
    "scripts/manage.py",
    "scripts/seed_db.py",
    "scripts/export_data.py",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/factories.py",
];

fn own_base(p: usize) -> bool {
    p % 25 == 7
}

fn module_name(rel: &str) -> String {
    let rel = rel
        .strip_prefix("src/")
        .unwrap_or(rel)
        .trim_end_matches(".py");
    let rel = rel.strip_suffix("/__init__").unwrap_or(rel);
    rel.replace('/', ".")
}

fn plan(n: usize, rng: &mut Lcg) -> Plan {
    let p_count = (n / 100).clamp(4, PACKAGES.len());
    let g_count = (p_count / 2).clamp(2, TEST_GROUPS.len());
    let own_count = (0..p_count).filter(|&p| own_base(p)).count();
    let tests = n * 8 / 100;
    let model_modules = n / 5;
    let fixed = FIXED_SRC.len() + FIXED_LATE.len();
    let k_planted = planted(n);
    // Reporting and links modules in the packages, the portal's modules.
    let planted_files = 2 * k_planted + (2 * k_planted + 3);
    let services =
        n - fixed - 2 * p_count - own_count - 2 * g_count - tests - model_modules - planted_files;
    let regular_models = model_modules - k_planted;

    let mut plan = Plan {
        modules: Vec::new(),
        classes: Vec::new(),
        packages: Vec::new(),
        groups: TEST_GROUPS[..g_count].to_vec(),
        duplicates: Vec::new(),
        associations: Vec::new(),
        stray_tests: Vec::new(),
    };
    for rel in FIXED_SRC {
        plan.push(Kind::Fixed, rel.to_string(), None, "item");
    }
    let mut class_names = Names::default();
    let mut table_names = Names::default();
    let mut all_models: Vec<usize> = Vec::new();
    let mut all_services: Vec<usize> = Vec::new();
    // Planted copies: target package -> (form, original class) it declares again.
    let mut legacy_for: Vec<Vec<(Form, usize)>> = vec![Vec::new(); p_count];
    let half = p_count / 2;

    for p in 0..p_count {
        let pkg = PACKAGES[p];
        let dir = format!("src/acme/{pkg}");
        let mut stems = Names::default();
        stems.take("api");
        stems.take("db");
        let init_rel = format!("{dir}/__init__.py");
        let init = plan.push(Kind::PkgInit, init_rel, Some(p), "item");
        let own = own_base(p);
        if own {
            let rel = format!("{dir}/db.py");
            plan.push(Kind::PkgDb, rel, Some(p), "item");
        }
        let base = if own { p + 1 } else { 0 };
        let mut package = Package {
            name: pkg,
            own_base: own,
            models: Vec::new(),
            services: Vec::new(),
            api: 0,
        };

        let count = regular_models / p_count + usize::from(p < regular_models % p_count);
        for _ in 0..count {
            let entity = *rng.pick(ENTITIES);
            let stem = stems.fresh(&format!("models_{entity}"), "_");
            let rel = format!("{dir}/{stem}.py");
            let m = plan.push(Kind::Models, rel, Some(p), entity);
            for k in 0..rng.range(2, 4) {
                let entity = if k == 0 { entity } else { *rng.pick(ENTITIES) };
                let id = plan.classes.len();
                // A foreign key into an earlier table of the same metadata, often in this package.
                let same_base: Vec<usize> =
                    (0..id).filter(|&c| plan.classes[c].base == base).collect();
                let local: Vec<usize> = same_base
                    .iter()
                    .copied()
                    .filter(|&c| plan.modules[plan.classes[c].module].pkg == Some(p))
                    .collect();
                let fk = if same_base.is_empty() || rng.chance(10) {
                    id
                } else if !local.is_empty() && rng.chance(60) {
                    *rng.pick(&local)
                } else {
                    same_base[same_base.len() - 1 - rng.below(same_base.len().min(400))]
                };
                plan.classes.push(ModelClass {
                    name: class_names.fresh(&format!("{}{}", camel(pkg), camel(entity)), ""),
                    table: table_names.fresh(&format!("{pkg}_{}", plural(entity)), "_"),
                    entity,
                    module: m,
                    base,
                    fk,
                });
                plan.modules[m].classes.push(id);
            }
            package.models.push(m);
            all_models.push(m);
        }
        if rng.chance(30) {
            let first = package.models[0];
            plan.modules[init].imports.push(first);
        }

        if p == half {
            // Choose the originals among the shared-base tables of the first half, evenly spaced,
            // and the packages of the second half that will declare them again.
            let candidates: Vec<usize> = (0..plan.classes.len())
                .filter(|&c| {
                    plan.classes[c].base == 0
                        && plan.modules[plan.classes[c].module]
                            .pkg
                            .is_some_and(|q| q < half)
                })
                .collect();
            assert!(
                candidates.len() >= 6 * k_planted,
                "too few tables to plant duplicates in"
            );
            let mut used = HashSet::new();
            for (slot, form) in [Form::SameBase, Form::SecondBase, Form::Association]
                .into_iter()
                .enumerate()
            {
                for k in 0..k_planted {
                    // Evenly spaced, each form at its own offset; a second base needs a foreign
                    // key into another table of the shared base.
                    let at = (6 * k + 2 * slot + 1) * candidates.len() / (6 * k_planted);
                    let original = candidates[at..]
                        .iter()
                        .chain(&candidates[..at])
                        .copied()
                        .find(|&c| {
                            !used.contains(&plan.classes[c].module)
                                && (form != Form::SecondBase || plan.classes[c].fk != c)
                        })
                        .expect("a table to plant a duplicate of");
                    used.insert(plan.classes[original].module);
                    let target = half + (k * (p_count - half)) / k_planted;
                    legacy_for[target].push((form, original));
                }
            }
        }
        let mut forced: Vec<(usize, usize)> = Vec::new();
        for (form, original) in std::mem::take(&mut legacy_for[p]) {
            let entity = plan.classes[original].entity;
            let (kind, prefix) = match form {
                Form::SameBase => (Kind::Legacy, "legacy"),
                Form::SecondBase => (Kind::Reporting, "reporting"),
                Form::Association => (Kind::Links, "links"),
            };
            let stem = stems.fresh(&format!("{prefix}_{entity}"), "_");
            let m = plan.push(kind, format!("{dir}/{stem}.py"), Some(p), entity);
            forced.push((plan.classes[original].module, m));
            let owner = &plan.classes[original];
            if form == Form::Association {
                plan.associations.push(Association {
                    table: table_names.fresh(&format!("{}_tags", owner.table), "_"),
                    var: format!("{}_tags", owner.entity),
                    owner: original,
                    links: m,
                });
                continue;
            }
            let id = plan.classes.len();
            let copy = ModelClass {
                name: class_names.fresh(&format!("{}{}", camel(prefix), owner.name), ""),
                table: owner.table.clone(),
                entity,
                module: m,
                // Never the target of a generated foreign key.
                base: usize::MAX,
                // The second base's copy keeps the foreign key into the shared base.
                fk: if form == Form::SecondBase {
                    owner.fk
                } else {
                    id
                },
            };
            plan.classes.push(copy);
            plan.modules[m].classes.push(id);
            if form == Form::SameBase {
                plan.duplicates.push((original, id));
            }
        }

        let count = services / p_count + usize::from(p < services % p_count);
        for _ in 0..count {
            let noun = *rng.pick(ENTITIES);
            let kind = *rng.pick(SERVICE_KINDS);
            let stem = stems.fresh(&format!("{noun}_{kind}"), "_");
            let rel = format!("{dir}/{stem}.py");
            let s = plan.push(Kind::Service, rel, Some(p), noun);
            let mut funcs = Names::default();
            for _ in 0..3 {
                let verb = *rng.pick(VERBS);
                plan.modules[s]
                    .funcs
                    .push(funcs.fresh(&format!("{verb}_{noun}"), "_"));
            }
            let k = rng.range(1, 3);
            let mut imports = rng.sample(&package.models, k);
            let foreign_models = all_models.len() - package.models.len();
            for _ in 0..rng.range(0, 2) {
                if foreign_models > 0 {
                    imports.push(all_models[rng.below(foreign_models)]);
                }
            }
            let k = rng.range(0, 3);
            imports.extend(rng.sample(&package.services, k));
            let foreign_services = all_services.len() - package.services.len();
            for _ in 0..rng.range(0, 2) {
                if foreign_services > 0 {
                    // Mostly the last few packages before this one: a layered codebase.
                    let window = foreign_services.min(300);
                    imports.push(all_services[foreign_services - 1 - rng.below(window)]);
                }
            }
            if let Some((original, legacy)) = forced.pop() {
                imports.push(original);
                imports.push(legacy);
            }
            let mut seen = HashSet::new();
            imports.retain(|m| seen.insert(*m));
            plan.modules[s].imports = imports;
            package.services.push(s);
            all_services.push(s);
        }
        assert!(
            forced.is_empty(),
            "package {pkg} has no service to import its planted duplicates"
        );
        let api_rel = format!("{dir}/api.py");
        package.api = plan.push(Kind::Api, api_rel, Some(p), "item");
        plan.packages.push(package);
    }

    // Function-local imports: anywhere in the codebase, including modules that import this one.
    for &s in &all_services {
        for _ in 0..rng.range(0, 2) {
            let t = *rng.pick(&all_services);
            if t != s
                && !plan.modules[s].imports.contains(&t)
                && !plan.modules[s].local_imports.contains(&t)
            {
                plan.modules[s].local_imports.push(t);
            }
        }
    }

    // The Flask-SQLAlchemy portal: each class with an implicit table name has a legacy twin that
    // names the same table explicitly.
    let portal_init = "src/acme/portal/__init__.py".to_owned();
    plan.push(Kind::PortalInit, portal_init, None, "item");
    let portal_db = "src/acme/portal/extensions.py".to_owned();
    plan.push(Kind::PortalDb, portal_db, None, "item");
    let mut portal_modules = Vec::new();
    for entity in rng.sample(ENTITIES, k_planted) {
        for (kind, stem, name) in [
            (
                Kind::PortalModels,
                format!("members_{entity}"),
                format!("Portal{}", camel(entity)),
            ),
            (
                Kind::PortalLegacy,
                format!("legacy_{entity}"),
                format!("Legacy{}Row", camel(entity)),
            ),
        ] {
            let rel = format!("src/acme/portal/{stem}.py");
            let m = plan.push(kind, rel, None, entity);
            let id = plan.classes.len();
            assert!(class_names.take(&name), "portal class {name} is taken");
            plan.classes.push(ModelClass {
                name,
                table: format!("portal_{entity}"),
                entity,
                module: m,
                base: usize::MAX,
                fk: id,
            });
            plan.modules[m].classes.push(id);
            portal_modules.push(m);
        }
    }
    let portal_app = "src/acme/portal/app.py".to_owned();
    let app = plan.push(Kind::PortalApp, portal_app, None, "item");
    plan.modules[app].imports = portal_modules;

    for rel in FIXED_LATE {
        plan.push(Kind::Fixed, rel.to_string(), None, "item");
    }
    for g in 0..g_count {
        let rel = format!("tests/{}/__init__.py", plan.groups[g]);
        let m = plan.push(Kind::GroupInit, rel, None, "item");
        plan.modules[m].group = Some(g);
        let rel = format!("tests/{}/conftest.py", plan.groups[g]);
        let m = plan.push(Kind::GroupConftest, rel, None, "item");
        plan.modules[m].group = Some(g);
        // The first model module of each package of the group, for its fixtures.
        let imports: Vec<usize> = (0..p_count)
            .filter(|p| p % g_count == g)
            .map(|p| plan.packages[p].models[0])
            .collect();
        plan.modules[m].imports = imports;
    }
    let mut test_names = Names::default();
    let stray: BTreeSet<usize> = (0..k_planted)
        .map(|j| (2 * j + 1) * tests / (2 * k_planted))
        .collect();
    for t in 0..tests {
        let p = t % p_count;
        let g = p % g_count;
        let package = &plan.packages[p];
        let target = package.services[(t / p_count) % package.services.len()];
        let stem = test_names.fresh(
            &format!("test_{}_{}", package.name, plan.modules[target].stem),
            "_",
        );
        let mut imports = vec![target];
        let k = rng.range(1, 2);
        imports.extend(rng.sample(&package.models, k));
        if rng.chance(40) {
            let other = &plan.packages[rng.below(p_count)];
            imports.push(*rng.pick(&other.services));
        }
        imports.dedup();
        let rel = format!("tests/{}/{stem}.py", plan.groups[g]);
        let noun = plan.modules[target].noun;
        let m = plan.push(Kind::Test, rel, Some(p), noun);
        plan.modules[m].group = Some(g);
        plan.modules[m].imports = imports;
        if stray.contains(&t) {
            plan.stray_tests.push(m);
        }
    }

    // Each package's api.py mounts what nothing else imports, so entry points stay few, as in
    // a real application (app.py imports every api, the test suite imports app.py).
    let mut imported = vec![false; plan.modules.len()];
    for m in &plan.modules {
        for &t in m.imports.iter().chain(&m.local_imports) {
            imported[t] = true;
        }
    }
    for p in 0..p_count {
        let package = &plan.packages[p];
        let mut mounted: Vec<usize> = package
            .models
            .iter()
            .chain(&package.services)
            .copied()
            .filter(|&m| !imported[m])
            .collect();
        if mounted
            .iter()
            .filter(|&&m| plan.modules[m].kind == Kind::Service)
            .count()
            < 2
        {
            mounted.extend(rng.sample(&package.services, 2));
        }
        let mut seen = HashSet::new();
        mounted.retain(|m| seen.insert(*m));
        let api = package.api;
        plan.modules[api].imports = mounted;
    }

    assert_eq!(
        plan.modules.len(),
        n,
        "the plan must hold exactly the requested number of files"
    );
    plan
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/// A finding the check must report, as in its JSON output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    pub code: &'static str,
    pub path: String,
    pub line: usize,
    pub symbol: String,
}

pub struct Corpus {
    pub py_files: usize,
    pub lines: usize,
    /// Every finding the check must report, sorted; nothing else may be reported.
    pub findings: Vec<Expected>,
    /// Files the fix must rewrite: each planted duplicate and each stray import.
    pub fixed: BTreeSet<String>,
}

pub fn generate(root: &Path, n: usize) -> Corpus {
    assert!(
        n >= MIN_FILES,
        "the generated codebase needs at least {MIN_FILES} files"
    );
    let mut rng = Lcg(SEED);
    let plan = plan(n, &mut rng);
    let mut corpus = Corpus {
        py_files: 0,
        lines: 0,
        findings: Vec::new(),
        fixed: BTreeSet::new(),
    };
    write(root, "pyproject.toml", PYPROJECT);
    write(
        root,
        ".gitignore",
        "__pycache__/\n*.py[cod]\n.venv/\nbuild/\ndist/\n.pytest_cache/\n",
    );
    let mut picks = Picks::default();
    let mut dirs: HashSet<String> = HashSet::new();
    for (i, module) in plan.modules.iter().enumerate() {
        let text = render(&plan, i, &mut rng, &mut picks);
        if let Some((dir, _)) = module.rel.rsplit_once('/') {
            if dirs.insert(dir.to_owned()) {
                std::fs::create_dir_all(root.join(dir)).expect("cannot create a corpus directory");
            }
        }
        corpus.findings.extend(expected(&plan, i, &text));
        corpus.py_files += 1;
        corpus.lines += text.lines().count();
        write(root, &module.rel, &text);
    }
    corpus.fixed = corpus.findings.iter().map(|f| f.path.clone()).collect();
    corpus.findings.sort();
    corpus
}

/// The findings planted in module `i`, whose text is `text`.
fn expected(plan: &Plan, i: usize, text: &str) -> Vec<Expected> {
    let m = &plan.modules[i];
    let at = |code: &'static str, needle: &str, symbol: &str| Expected {
        code,
        path: m.rel.clone(),
        line: 1 + text
            .lines()
            .position(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("no line starting with {needle:?} in {}", m.rel)),
        symbol: symbol.to_owned(),
    };
    let class = || &plan.classes[m.classes[0]].name;
    match m.kind {
        Kind::Legacy | Kind::PortalLegacy => {
            vec![at("DM001", &format!("class {}(", class()), class())]
        }
        Kind::Reporting => vec![
            at("DM003", "ReportingBase = ", "ReportingBase"),
            at("DM001", &format!("class {}(", class()), class()),
        ],
        Kind::Links => plan
            .associations
            .iter()
            .filter(|a| a.links == i)
            .map(|a| at("DM001", &format!("{} = ", a.var), &a.var))
            .collect(),
        Kind::Test if plan.stray_tests.contains(&i) => {
            // The symbol of a DM002 finding is the stray name the import uses.
            let stray = format!("src.{}", plan.modules[m.imports[1]].name);
            vec![at("DM002", &format!("from {stray} "), &stray)]
        }
        _ => Vec::new(),
    }
}

/// The columns (indices into `COLUMNS`) each rendered class got, for the planted copies.
type Picks = std::collections::HashMap<usize, Vec<usize>>;

fn write(root: &Path, rel: &str, text: &str) {
    std::fs::write(root.join(rel), text).unwrap_or_else(|e| panic!("cannot write {rel}: {e}"));
}

fn render(plan: &Plan, i: usize, rng: &mut Lcg, picks: &mut Picks) -> String {
    let m = &plan.modules[i];
    match m.kind {
        Kind::Fixed => render_fixed(plan, i, rng),
        Kind::PkgInit => render_init(plan, i),
        Kind::PkgDb => fill(OWN_DB, &[("pkg", plan.packages[m.pkg.unwrap()].name)]),
        Kind::Models => render_models(plan, i, rng, picks),
        Kind::Legacy => render_legacy(plan, i, picks),
        Kind::Reporting => render_reporting(plan, i),
        Kind::Links => render_links(plan, i),
        Kind::PortalInit => PORTAL_INIT.to_owned(),
        Kind::PortalDb => PORTAL_DB.to_owned(),
        Kind::PortalModels | Kind::PortalLegacy => render_portal_models(plan, i),
        Kind::PortalApp => render_portal_app(plan, i),
        Kind::Service => render_service(plan, i, rng),
        Kind::Api => render_api(plan, i, rng),
        Kind::Test => render_test(plan, i, rng),
        Kind::GroupInit => String::new(),
        Kind::GroupConftest => render_group_conftest(plan, i),
    }
}

const PYPROJECT: &str = r#"[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "acme"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["sqlalchemy>=2.0", "httpx>=0.27"]

[project.optional-dependencies]
test = ["pytest>=8", "pytest-asyncio>=0.23"]

[tool.setuptools.packages.find]
where = ["src"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
addopts = "-ra --strict-markers"
"#;

const OWN_DB: &str = r##""""Separate metadata for the @pkg@ reporting schema: its tables live in their own schema."""
from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import declarative_base

metadata = MetaData(schema="@pkg@")
Base = declarative_base(metadata=metadata)
"##;

fn render_init(plan: &Plan, i: usize) -> String {
    let m = &plan.modules[i];
    let pkg = plan.packages[m.pkg.unwrap()].name;
    let mut out = format!("\"\"\"The {pkg} domain: models, services and HTTP handlers.\"\"\"\n");
    if let Some(&models) = m.imports.first() {
        let names = plan.class_names(models);
        out.push_str(&format!(
            "from .{} import {}\n\n",
            plan.modules[models].stem,
            names
                .iter()
                .map(|n| format!("{n} as {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        out.push_str(&format!(
            "__all__ = [{}]\n",
            names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

fn render_fixed(plan: &Plan, i: usize, rng: &mut Lcg) -> String {
    let m = &plan.modules[i];
    match m.rel.as_str() {
        "src/acme/__init__.py" => {
            "\"\"\"Acme back office.\"\"\"\n\n__version__ = \"0.1.0\"\n".to_owned()
        }
        "src/acme/core/__init__.py" => {
            "\"\"\"Infrastructure shared by every domain.\"\"\"\n".to_owned()
        }
        "src/acme/core/db.py" => CORE_DB.to_owned(),
        "src/acme/core/http.py" => CORE_HTTP.to_owned(),
        "src/acme/core/utils.py" => CORE_UTILS.to_owned(),
        "src/acme/core/config.py" => CORE_CONFIG.to_owned(),
        "src/acme/app.py" => {
            let mut out = String::from("\"\"\"Application factory: mounts the router of every domain.\"\"\"\nfrom __future__ import annotations\n\nfrom acme.core.config import Settings, load_settings\nfrom acme.core.http import App\n");
            for p in &plan.packages {
                out.push_str(&format!(
                    "from acme.{} import api as {}_api\n",
                    p.name, p.name
                ));
            }
            out.push_str("\nROUTERS = (\n");
            for p in &plan.packages {
                out.push_str(&format!("    {}_api.router,\n", p.name));
            }
            out.push_str(")\n\n\ndef create_app(settings: Settings | None = None) -> App:\n    settings = settings or load_settings()\n    app = App(name=settings.app_name)\n    for router in ROUTERS:\n        app.include(router)\n    return app\n");
            out
        }
        "scripts/manage.py" => MANAGE.to_owned(),
        "scripts/seed_db.py" => {
            let mut out = String::from("\"\"\"Create the schema and a few rows for local development.\"\"\"\nfrom __future__ import annotations\n\nimport sys\n\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import Session\n\nfrom acme.core.db import Base\n");
            let picks: Vec<usize> = (0..3)
                .map(|_| plan.packages[rng.below(plan.packages.len())].models[0])
                .collect();
            let mut classes = Vec::new();
            for &m in &picks {
                let names = plan.class_names(m);
                out.push_str(&format!(
                    "from {} import {}\n",
                    plan.modules[m].name, names[0]
                ));
                classes.push(names[0].clone());
            }
            out.push_str("\n\ndef main(url: str = \"sqlite:///dev.db\") -> int:\n    engine = create_engine(url)\n    Base.metadata.create_all(engine)\n    with Session(engine) as session:\n");
            for c in &classes {
                out.push_str(&format!("        session.add({c}())\n"));
            }
            out.push_str("        session.commit()\n    return 0\n\n\nif __name__ == \"__main__\":\n    sys.exit(main(*sys.argv[1:]))\n");
            out
        }
        "scripts/export_data.py" => {
            let mut out = String::from("\"\"\"Export a few domains to JSON lines.\"\"\"\nfrom __future__ import annotations\n\nimport json\nimport sys\n\n\ndef main() -> int:\n");
            for _ in 0..3 {
                let p = &plan.packages[rng.below(plan.packages.len())];
                let s = &plan.modules[*rng.pick(&p.services)];
                out.push_str(&format!("    from {} import {}\n\n    print(json.dumps({{\"module\": \"{}\", \"result\": repr({}(None, 1))}}))\n", s.name, s.funcs[0], s.name, s.funcs[0]));
            }
            out.push_str("    return 0\n\n\nif __name__ == \"__main__\":\n    sys.exit(main())\n");
            out
        }
        "tests/__init__.py" => String::new(),
        "tests/conftest.py" => CONFTEST.to_owned(),
        "tests/factories.py" => FACTORIES.to_owned(),
        other => panic!("no content for {other}"),
    }
}

const CORE_DB: &str = r##""""Shared declarative base, naming convention and mixins for every domain."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, MetaData, func
from sqlalchemy.orm import declarative_base

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
Base = declarative_base(metadata=metadata)


class TimestampMixin:
    created_at = Column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at = Column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


class SoftDeleteMixin:
    deleted_at = Column(DateTime(timezone=True), nullable=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def soft_delete(self, when: dt.datetime | None = None) -> None:
        self.deleted_at = when or dt.datetime.now(dt.timezone.utc)
"##;

const CORE_HTTP: &str = r##""""A tiny router, enough for the handlers of every domain."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

Handler = Callable[..., Any]


@dataclass
class Route:
    method: str
    path: str
    handler: Handler


@dataclass
class Router:
    prefix: str = ""
    tags: list[str] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)

    def _add(self, method: str, path: str) -> Callable[[Handler], Handler]:
        def decorator(func: Handler) -> Handler:
            self.routes.append(Route(method, f"{self.prefix}{path}", func))
            return func

        return decorator

    def get(self, path: str) -> Callable[[Handler], Handler]:
        return self._add("GET", path)

    def post(self, path: str) -> Callable[[Handler], Handler]:
        return self._add("POST", path)


@dataclass
class App:
    name: str
    routers: list[Router] = field(default_factory=list)

    def include(self, router: Router) -> None:
        self.routers.append(router)

    def routes(self) -> list[Route]:
        return [route for router in self.routers for route in router.routes]
"##;

const CORE_UTILS: &str = r##""""Small helpers used all over the code base."""
from __future__ import annotations

import datetime as dt
import functools
import re
import time
from typing import Any, Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")

_SLUG = re.compile(r"[^a-z0-9]+")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def slugify(value: str) -> str:
    return _SLUG.sub("-", value.strip().lower()).strip("-")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    if size <= 0:
        raise ValueError(f"chunk size must be positive, got {size}")
    for start in range(0, len(items), size):
        yield items[start : start + size]


def retry(attempts: int = 3, delay: float = 0.1) -> Callable[[Callable[..., T]], Callable[..., T]]:
    def decorator(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except (TimeoutError, ConnectionError):
                    if attempt == attempts:
                        raise
                    time.sleep(delay * attempt)
            raise AssertionError("unreachable")

        return wrapper

    return decorator
"##;

const CORE_CONFIG: &str = r##""""Settings read from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_BATCH_SIZE = 200


@dataclass(frozen=True)
class Settings:
    app_name: str = "acme"
    database_url: str = "sqlite:///acme.db"
    batch_size: int = DEFAULT_BATCH_SIZE
    debug: bool = False


def load_settings() -> Settings:
    return Settings(
        app_name=os.environ.get("ACME_APP_NAME", "acme"),
        database_url=os.environ.get("ACME_DATABASE_URL", "sqlite:///acme.db"),
        batch_size=int(os.environ.get("ACME_BATCH_SIZE", DEFAULT_BATCH_SIZE)),
        debug=os.environ.get("ACME_DEBUG", "") in {"1", "true", "yes"},
    )
"##;

const MANAGE: &str = r##""""Management commands: `python scripts/manage.py routes`."""
from __future__ import annotations

import argparse
import sys

from acme.app import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="manage")
    parser.add_argument("command", choices=["routes", "check"])
    args = parser.parse_args(argv)
    app = create_app()
    if args.command == "routes":
        for route in app.routes():
            print(f"{route.method:6} {route.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
"##;

const CONFTEST: &str = r##""""Fixtures shared by the whole test suite."""
from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from acme.app import create_app
from acme.core.db import Base


@pytest.fixture(scope="session")
def engine():
    engine = create_engine("sqlite+pysqlite:///:memory:", future=True)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine) -> Iterator[Session]:
    connection = engine.connect()
    transaction = connection.begin()
    session = sessionmaker(bind=connection)()
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="session")
def app():
    return create_app()
"##;

const FACTORIES: &str = r##""""Test data builders."""
from __future__ import annotations

import itertools
from typing import Any

_ids = itertools.count(1)


def build_payload(kind: str = "generic", size: int = 1, **extra: Any) -> dict[str, Any]:
    ident = next(_ids)
    return {
        "id": ident,
        "name": f"{kind}-{ident}",
        "tags": [f"tag-{n}" for n in range(size)],
        **extra,
    }


def build_rows(count: int, **extra: Any) -> list[dict[str, Any]]:
    return [build_payload(size=n % 3, **extra) for n in range(count)]
"##;

fn render_group_conftest(plan: &Plan, i: usize) -> String {
    let m = &plan.modules[i];
    let mut out = format!("\"\"\"Fixtures for the {} tests.\"\"\"\nfrom __future__ import annotations\n\nimport pytest\n\n", plan.groups[m.group.unwrap()]);
    let mut classes = Vec::new();
    for &t in &m.imports {
        let name = plan.class_names(t)[0].clone();
        out.push_str(&format!("from {} import {name}\n", plan.modules[t].name));
        classes.push(name);
    }
    for c in &classes {
        let snake = c.chars().fold(String::new(), |mut s, ch| {
            if ch.is_ascii_uppercase() && !s.is_empty() {
                s.push('_');
            }
            s.push(ch.to_ascii_lowercase());
            s
        });
        out.push_str(&format!("\n\n@pytest.fixture\ndef {snake}(db_session):\n    obj = {c}()\n    db_session.add(obj)\n    db_session.flush()\n    return obj\n"));
    }
    out
}

// ---- models ----------------------------------------------------------------------------------

fn render_models(plan: &Plan, i: usize, rng: &mut Lcg, picks: &mut Picks) -> String {
    let m = &plan.modules[i];
    let p = m.pkg.unwrap();
    let package = &plan.packages[p];
    let style = rng.below(3); // 0: names from sqlalchemy, 1: `sa.` prefixes, 2: 2.0 `Mapped` annotations
    let (sa, orm) = if style == 1 {
        ("sa.", "orm.")
    } else {
        ("", "")
    };
    let names = plan.class_names(i);
    let associations: Vec<&Association> = plan
        .associations
        .iter()
        .filter(|a| plan.classes[a.owner].module == i)
        .collect();
    let table_import = if associations.is_empty() {
        ""
    } else {
        "    Table,\n"
    };
    let mut out = format!("\"\"\"{} persistence models: {}.\"\"\"\nfrom __future__ import annotations\n\nimport datetime as dt\nfrom decimal import Decimal\nfrom typing import Optional\n\n", camel(package.name), names.join(", "));
    match style {
        0 => out.push_str(&format!("from sqlalchemy import (\n    JSON,\n    Boolean,\n    Column,\n    DateTime,\n    Float,\n    ForeignKey,\n    Index,\n    Integer,\n    Numeric,\n    SmallInteger,\n    String,\n{table_import}    Text,\n    UniqueConstraint,\n)\nfrom sqlalchemy.orm import relationship\n")),
        1 => out.push_str("import sqlalchemy as sa\nfrom sqlalchemy import orm\n"),
        _ => {
            out.push_str("from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, Numeric, SmallInteger, String, Text, UniqueConstraint\n");
            if !associations.is_empty() {
                out.push_str("from sqlalchemy import Column, Table\n");
            }
            out.push_str("from sqlalchemy.orm import Mapped, mapped_column, relationship\n");
        }
    }
    out.push('\n');
    let (base, mixin) = if package.own_base {
        if rng.chance(50) {
            out.push_str("from acme.core.db import TimestampMixin\n\nfrom .db import Base\n");
        } else {
            out.push_str(&format!(
                "from acme.core.db import TimestampMixin\nfrom acme.{}.db import Base\n",
                package.name
            ));
        }
        ("Base", "TimestampMixin")
    } else {
        match rng.below(4) {
            0 => {
                out.push_str("from acme.core.db import Base, TimestampMixin\n");
                ("Base", "TimestampMixin")
            }
            1 => {
                out.push_str("from ..core.db import Base, TimestampMixin\n");
                ("Base", "TimestampMixin")
            }
            2 => {
                out.push_str("from acme.core import db\n");
                ("db.Base", "db.TimestampMixin")
            }
            _ => {
                out.push_str("import acme.core.db as core_db\n");
                ("core_db.Base", "core_db.TimestampMixin")
            }
        }
    };
    let schema_prefix = if package.own_base {
        format!("{}.", package.name)
    } else {
        String::new()
    };

    for &c in &m.classes {
        let class = &plan.classes[c];
        let target = &plan.classes[class.fk];
        let self_ref = class.fk == c;
        let parents = if rng.chance(40) {
            format!("{mixin}, {base}")
        } else {
            base.to_owned()
        };
        out.push_str(&format!("\n\nclass {}({parents}):\n", class.name));
        if rng.chance(50) {
            out.push_str(&format!(
                "    \"\"\"A {} of the {} domain.\"\"\"\n\n",
                class.entity.replace('_', " "),
                package.name
            ));
        }
        out.push_str(&format!("    __tablename__ = \"{}\"\n", class.table));
        let k = rng.range(3, 8);
        let picks: &[usize] = picks
            .entry(c)
            .or_insert_with(|| rng.sample(&(0..COLUMNS.len()).collect::<Vec<_>>(), k));
        let (c1, c2) = (COLUMNS[picks[0]].0, COLUMNS[picks[picks.len() - 1]].0);
        let fk_attr = if self_ref {
            "parent_id".to_owned()
        } else {
            format!("{}_id", target.entity)
        };
        let rel_attr = if self_ref { "parent" } else { target.entity };
        let table_sa = if style == 1 { "sa." } else { "" };
        out.push_str("    __table_args__ = (\n");
        out.push_str(&format!(
            "        {table_sa}UniqueConstraint(\"{fk_attr}\", \"{c1}\", name=\"uq_{}_{c1}\"),\n",
            class.table
        ));
        out.push_str(&format!(
            "        {table_sa}Index(\"ix_{}_{c2}\", \"{c2}\"),\n",
            class.table
        ));
        if rng.chance(50) {
            out.push_str(&format!(
                "        {{\"comment\": \"{} records\"}},\n",
                camel(class.entity)
            ));
        }
        out.push_str("    )\n\n");
        let fk_target = format!("{schema_prefix}{}.id", target.table);
        let nullable = if self_ref { "True" } else { "False" };
        if style == 2 {
            out.push_str("    id: Mapped[int] = mapped_column(primary_key=True)\n");
            out.push_str(&format!("    {fk_attr}: Mapped[int] = mapped_column(ForeignKey(\"{fk_target}\", ondelete=\"CASCADE\"), nullable={nullable}, index=True)\n"));
            for &k in picks {
                let (attr, _, ty, expr) = COLUMNS[k];
                out.push_str(&format!("    {attr}: Mapped[{ty}] = {expr}\n"));
            }
            let extra = if self_ref {
                format!(", remote_side=\"{}.id\"", class.name)
            } else {
                String::new()
            };
            out.push_str(&format!("\n    {rel_attr}: Mapped[\"{}\"] = relationship(\"{}\", lazy=\"selectin\"{extra})\n", target.name, target.name));
        } else {
            out.push_str(&format!(
                "    id = {sa}Column({sa}Integer, primary_key=True)\n"
            ));
            out.push_str(&format!("    {fk_attr} = {sa}Column({sa}Integer, {sa}ForeignKey(\"{fk_target}\", ondelete=\"CASCADE\"), nullable={nullable}, index=True)\n"));
            for &k in picks {
                let (attr, expr, _, _) = COLUMNS[k];
                out.push_str(&format!("    {attr} = {}\n", expr.replace('§', sa)));
            }
            let extra = if self_ref {
                format!(", remote_side=\"{}.id\"", class.name)
            } else {
                String::new()
            };
            out.push_str(&format!(
                "\n    {rel_attr} = {orm}relationship(\"{}\", lazy=\"selectin\"{extra})\n",
                target.name
            ));
        }
        out.push_str(&format!("\n    def __repr__(self) -> str:\n        return f\"<{} id={{self.id!r}} {c1}={{self.{c1}!r}}>\"\n", class.name));
        if rng.chance(50) {
            out.push_str(&format!(
                "\n    @property\n    def display_name(self) -> str:\n        label = getattr(self, \"name\", None) or f\"{}-{{self.id}}\"\n        return str(label).strip()\n",
                class.entity
            ));
        }
    }
    for a in associations {
        let owner = &plan.classes[a.owner];
        out.push_str(&format!(
            "\n\n{} = {sa}Table(\n    \"{}\",\n    {base}.metadata,\n    {sa}Column(\"{}_id\", {sa}ForeignKey(\"{}.id\"), primary_key=True),\n    {sa}Column(\"tag\", {sa}String(40), primary_key=True),\n    {sa}Column(\"created_at\", {sa}DateTime(timezone=True)),\n)\n",
            a.var, a.table, owner.entity, owner.table
        ));
    }
    out
}

/// A copy of a table on the shared base with some of the original's columns: a duplicate that
/// the fix can replace by a re-export.
fn render_legacy(plan: &Plan, i: usize, picks: &Picks) -> String {
    let m = &plan.modules[i];
    let id = m.classes[0];
    let class = &plan.classes[id];
    let original = plan
        .duplicates
        .iter()
        .find(|&&(_, legacy)| legacy == id)
        .map(|&(original, _)| original)
        .unwrap();
    let mut columns = String::new();
    for &k in picks[&original].iter().take(2) {
        let (attr, expr, _, _) = COLUMNS[k];
        columns.push_str(&format!("    {attr} = {}\n", expr.replace('§', "")));
    }
    fill(
        r##""""Reporting mapping of `@table@`, kept by the @pkg@ team for their nightly exports."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, Integer, Numeric, SmallInteger, String, Text

from acme.core.db import Base


class @Class@(Base):
    __tablename__ = "@table@"
    __table_args__ = ({"comment": "reporting view of @table@"},)

    id = Column(Integer, primary_key=True)
@columns@
    def __repr__(self) -> str:
        return f"<@Class@ id={self.id!r}>"
"##,
        &[
            ("table", &class.table),
            ("pkg", plan.packages[m.pkg.unwrap()].name),
            ("Class", &class.name),
            ("columns", &columns),
        ],
    )
}

/// A table of the shared base declared again on a base of its own, with a foreign key into a
/// table only the shared base has.
fn render_reporting(plan: &Plan, i: usize) -> String {
    let m = &plan.modules[i];
    let class = &plan.classes[m.classes[0]];
    let target = &plan.classes[class.fk];
    fill(
        r##""""Reporting copy of `@table@` on a base of its own, for the @pkg@ exports."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import declarative_base

ReportingBase = declarative_base()


class @Class@(ReportingBase):
    __tablename__ = "@table@"

    id = Column(Integer, primary_key=True)
    @entity@_id = Column(Integer, ForeignKey("@target@.id"))
"##,
        &[
            ("table", &class.table),
            ("pkg", plan.packages[m.pkg.unwrap()].name),
            ("Class", &class.name),
            ("entity", target.entity),
            ("target", &target.table),
        ],
    )
}

/// An association table of a model module declared again, without its `created_at` column.
fn render_links(plan: &Plan, i: usize) -> String {
    let m = &plan.modules[i];
    let a = plan.associations.iter().find(|a| a.links == i).unwrap();
    let owner = &plan.classes[a.owner];
    fill(
        r##""""Tags of @entity@ rows, declared again for the @pkg@ batch jobs."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table

from acme.core.db import Base

@var@ = Table(
    "@table@",
    Base.metadata,
    Column("@entity@_id", ForeignKey("@owner@.id"), primary_key=True),
    Column("tag", String(40), primary_key=True),
)
"##,
        &[
            ("entity", owner.entity),
            ("pkg", plan.packages[m.pkg.unwrap()].name),
            ("var", &a.var),
            ("table", &a.table),
            ("owner", &owner.table),
        ],
    )
}

const PORTAL_INIT: &str =
    "\"\"\"The customer portal: a Flask app with a database of its own.\"\"\"\n";

const PORTAL_DB: &str = r##""""The portal's Flask-SQLAlchemy extension."""
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
"##;

/// A portal model with Flask-SQLAlchemy's implicit table name, or its legacy twin that names the
/// same table explicitly with fewer columns.
fn render_portal_models(plan: &Plan, i: usize) -> String {
    let m = &plan.modules[i];
    let class = &plan.classes[m.classes[0]];
    let template = if m.kind == Kind::PortalModels {
        r##""""Portal @entity@ records; Flask-SQLAlchemy names the table after the class."""
from __future__ import annotations

from .extensions import db


class @Class@(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    email = db.Column(db.String(254), unique=True)
    created_at = db.Column(db.DateTime, server_default=db.func.now())

    def __repr__(self) -> str:
        return f"<@Class@ {self.name!r}>"
"##
    } else {
        r##""""The old portal @entity@ mapping, still used by the admin views."""
from __future__ import annotations

from acme.portal.extensions import db


class @Class@(db.Model):
    __tablename__ = "@table@"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
"##
    };
    fill(
        template,
        &[
            ("entity", m.noun),
            ("Class", &class.name),
            ("table", &class.table),
        ],
    )
}

fn render_portal_app(plan: &Plan, i: usize) -> String {
    let mut out = String::from(
        "\"\"\"The portal's application factory.\"\"\"\nfrom __future__ import annotations\n\nfrom flask import Flask\n\n",
    );
    for &t in &plan.modules[i].imports {
        out.push_str(&format!(
            "from . import {}  # noqa: F401  (registers the models)\n",
            plan.modules[t].stem
        ));
    }
    out.push_str("from .extensions import db\n\n\ndef create_app(url: str = \"sqlite://\") -> Flask:\n    app = Flask(__name__)\n    app.config[\"SQLALCHEMY_DATABASE_URI\"] = url\n    db.init_app(app)\n    return app\n");
    out
}

// ---- services --------------------------------------------------------------------------------

/// What a module has bound at module level, and which expressions reach models and functions.
#[derive(Default)]
struct Scope {
    names: Names,
    models: Vec<String>,
    funcs: Vec<String>,
    counter: usize,
}

impl Scope {
    fn bind(&mut self, wanted: &str, fallback: &str) -> String {
        if self.names.take(wanted) {
            wanted.to_owned()
        } else {
            self.names.fresh(fallback, "_")
        }
    }
}

/// Renders the module-level `import` of `target` into `out`, in one of the styles Python code
/// uses, and records what it makes reachable.
fn import_statement(
    plan: &Plan,
    importer: &Module,
    target: usize,
    rng: &mut Lcg,
    scope: &mut Scope,
    out: &mut String,
) {
    let t = &plan.modules[target];
    let is_model = t.is_model();
    let exports: Vec<String> = match t.kind {
        Kind::Links => plan
            .associations
            .iter()
            .filter(|a| a.links == target)
            .map(|a| a.var.clone())
            .collect(),
        _ if is_model => plan.class_names(target),
        _ => t.funcs.clone(),
    };
    let take = if t.is_planted() {
        exports.clone()
    } else {
        let k = rng.range(1, exports.len().min(3));
        rng.sample(&exports, k)
    };
    // Test modules live outside the package tree: absolute imports only.
    let relative_ok = importer.kind != Kind::Test;
    let same = relative_ok && t.pkg == importer.pkg;
    let tpkg = plan.packages[t.pkg.unwrap()].name;
    let alias = format!("{tpkg}_{}", t.stem);
    let mut record = |scope: &mut Scope, expr: String| {
        if is_model {
            scope.models.push(expr)
        } else {
            scope.funcs.push(expr)
        }
    };
    let from_names = |scope: &mut Scope, record: &mut dyn FnMut(&mut Scope, String)| -> String {
        let mut parts = Vec::new();
        for name in &take {
            let local = scope.bind(name, &format!("{}_{name}", t.stem));
            if local == *name {
                parts.push(name.clone());
            } else {
                parts.push(format!("{name} as {local}"));
            }
            record(scope, local);
        }
        parts.join(", ")
    };
    let style = if !relative_ok {
        [1, 4, 5][rng.below(3)]
    } else if same {
        rng.below(3)
    } else {
        1 + rng.below(5)
    };
    match (same, style) {
        (true, 0) => {
            let names = from_names(scope, &mut record);
            out.push_str(&format!("from .{} import {names}\n", t.stem));
        }
        (true, 2) | (false, 3) if scope.names.take(&t.stem) => {
            // `from . import module` / `from ..pkg import module`
            let dots = if same { "." } else { ".." };
            let from = if same {
                dots.to_owned()
            } else {
                format!("{dots}{tpkg}")
            };
            out.push_str(&format!("from {from} import {}\n", t.stem));
            for name in &take {
                record(scope, format!("{}.{name}", t.stem));
            }
        }
        (false, 2) => {
            let names = from_names(scope, &mut record);
            out.push_str(&format!("from ..{tpkg}.{} import {names}\n", t.stem));
        }
        (false, 4) if scope.names.take(&alias) => {
            out.push_str(&format!("import {} as {alias}\n", t.name));
            for name in &take {
                record(scope, format!("{alias}.{name}"));
            }
        }
        (false, 5) => {
            scope.names.take("acme");
            out.push_str(&format!("import {}\n", t.name));
            for name in &take {
                record(scope, format!("{}.{name}", t.name));
            }
        }
        _ => {
            let names = from_names(scope, &mut record);
            out.push_str(&format!("from {} import {names}\n", t.name));
        }
    }
}

const STDLIB_HEADER: &str = "import asyncio
import datetime as dt
import enum
import functools
import itertools
import json
import logging
import re
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from acme.core import config as app_config
from acme.core.utils import chunked, slugify, utcnow
";

const PUBLIC: &[&str] = &[
    r##"def @name@(session: Session, ident: int, *, strict: bool = False) -> Optional[Any]:
    """@Verb@ one @W@ by primary key."""
    obj = session.get(@M@, ident)
    if obj is None and strict:
        raise LookupError(f"@W@ {ident} does not exist")
    logger.debug("@name@(%s) -> %r", ident, obj)
    return obj
"##,
    r##"def @name@(session: Session, *, limit: int = BATCH_SIZE, offset: int = 0, **filters: Any) -> list[Any]:
    """@Verb@ a page of @W@ rows matching ``filters``."""
    query = session.query(@M@)
    for key, value in sorted(filters.items()):
        column = getattr(@M@, key, None)
        if column is None:
            raise ValueError(f"unknown filter {key!r} for {@M@.__name__}")
        query = query.filter(column == value)
    rows = query.order_by(@M@.id.desc()).offset(offset).limit(limit).all()
    logger.info("%s: %d rows (limit=%d, offset=%d)", "@name@", len(rows), limit, offset)
    return rows
"##,
    r##"def @name@(session: Session, payload: Mapping[str, Any], *, actor: Optional[str] = None) -> dict[str, Any]:
    """@Verb@ a @W@ from an API payload and report what changed."""
    cleaned = {k: v for k, v in payload.items() if v is not None and not k.startswith("_")}
    obj = @M@(**cleaned)
    session.add(obj)
    session.flush()
    changes = [f"{key}={value!r}" for key, value in sorted(cleaned.items())]
    logger.info("%s by %s: %s", "@name@", actor or "system", ", ".join(changes) or "<nothing>")
    return {"id": obj.id, "changes": changes, "at": utcnow().isoformat()}
"##,
];

const SNIPPETS: &[&str] = &[
    r##"def @fn@(records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Count @W@ records per status, most frequent first."""
    counts: dict[str, int] = defaultdict(int)
    for record in records:
        key = str(record.get("status", "unknown")).lower()
        counts[key] += 1
    totals = {k: v for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}
    active = [k for k, v in totals.items() if v > THRESHOLD and not k.startswith("_")]
    return {**totals, "active": len(active)}
"##,
    r##"def @fn@(item: Any, *, verbose: bool = False, width: int = @K@) -> str:
    """Human-readable label of a @W@ for logs and admin pages."""
    label = f"{type(item).__name__}#{getattr(item, 'id', '?')}"
    if verbose:
        fields = ", ".join(f"{k}={v!r}" for k, v in sorted(vars(item).items()) if not k.startswith("_"))
        return f"{label} ({fields})"
    return f"{label:>{width}}"
"##,
    r##"class @C@:
    """Application service for @W@ workflows."""

    def __init__(self, session: Session, *, clock: Optional[Any] = None) -> None:
        self._session = session
        self._clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self._cache: dict[int, Any] = {}

    def get(self, ident: int) -> Optional[Any]:
        if ident in self._cache:
            return self._cache[ident]
        obj = self._session.get(@M@, ident)
        if obj is not None:
            self._cache[ident] = obj
        return obj

    def bulk_update(self, changes: Sequence[tuple[int, dict[str, Any]]]) -> int:
        updated = 0
        for ident, values in changes:
            obj = self.get(ident)
            if obj is None:
                logger.warning("missing @W@ %s", ident)
                continue
            for key, value in values.items():
                setattr(obj, key, value)
            updated += 1
        self._session.flush()
        return updated

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cached={len(self._cache)}, now={self._clock():%Y-%m-%d})"
"##,
    r##"@dataclass(frozen=True)
class @C@:
    ident: int
    name: str
    tags: tuple[str, ...] = DEFAULT_TAGS
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "@C@":
        return cls(ident=int(row["id"]), name=str(row.get("name", "")), tags=tuple(row.get("tags") or ()))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.ident, "name": self.name, "tags": list(self.tags), **self.meta}
"##,
    r##"@contextmanager
def @fn@(session: Session) -> Iterator[Session]:
    """Commit on success, roll back and log on failure."""
    try:
        yield session
        session.commit()
    except Exception as exc:  # noqa: BLE001
        session.rollback()
        logger.exception("@W@ transaction failed: %s", exc)
        raise
    finally:
        session.close()
"##,
    r##"async def @fn@(client: Any, idents: Sequence[int], *, concurrency: int = @K@) -> list[dict[str, Any]]:
    """Fetch @W@ documents from the partner API, a few at a time."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(ident: int) -> Any:
        async with semaphore:
            return await client.get(f"/api/@W@/{ident}", timeout=5.0)

    responses = await asyncio.gather(*(one(i) for i in idents), return_exceptions=True)
    return [r.json() for r in responses if not isinstance(r, Exception) and r.status_code < 400]
"##,
    r##"def @fn@(value: object) -> str:
    """Classify an incoming @W@ value."""
    match value:
        case None:
            return "none"
        case int() | float() as number if number < 0:
            return "negative"
        case {"kind": str(kind), **rest}:
            return f"mapping:{kind}:{len(rest)}"
        case [first, *others]:
            return f"sequence:{first!r}+{len(others)}"
        case _:
            return type(value).__name__
"##,
    r##"class @C@(str, enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"

    @property
    def is_terminal(self) -> bool:
        return self in {type(self).ARCHIVED}

    @classmethod
    def parse(cls, raw: str) -> "@C@":
        try:
            return cls(raw.strip().lower())
        except ValueError:
            return cls.PENDING
"##,
    r##"def @fn@(items: Iterable[Any], size: int = BATCH_SIZE) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def @fn2@(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    return {key for row in rows if (key := str(row.get("key", "")).strip())}
"##,
    r##"def @fn@(session: Session, idents: Iterable[int], *, attempts: int = 3) -> dict[int, Any]:
    """Call ``@F@`` for each id, retrying transient failures."""
    results: dict[int, Any] = {}
    for ident in idents:
        for attempt in range(1, attempts + 1):
            try:
                results[ident] = @F@(session, ident)
                break
            except (TimeoutError, ConnectionError) as exc:
                logger.warning("attempt %d/%d for %s failed: %s", attempt, attempts, ident, exc)
                time.sleep(0.05 * 2**attempt)
        else:
            results[ident] = None
    return results
"##,
    r##"def @fn@(rows: Sequence[Any]) -> dict[str, list[int]]:
    """Group @W@ ids by status, newest first."""
    keyed = sorted(rows, key=lambda r: (getattr(r, "status", ""), -int(getattr(r, "id", 0) or 0)))
    grouped = {
        status: [int(r.id) for r in group]
        for status, group in itertools.groupby(keyed, key=lambda r: getattr(r, "status", ""))
    }
    return {k: v[:@K@] for k, v in grouped.items() if v}
"##,
    r##"_PATTERN_@n@ = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")


@functools.lru_cache(maxsize=@K@)
def @fn@(raw: str) -> Optional[str]:
    """Normalise a @W@ key; ``None`` when it cannot be one."""
    candidate = slugify(raw)
    return candidate if _PATTERN_@n@.match(candidate) else None


def @fn2@(items: Iterable[Mapping[str, Any]]) -> str:
    payload = [{"key": @fn@(str(i.get("name", ""))), **{k: v for k, v in i.items() if k != "name"}} for i in items]
    return json.dumps(payload, sort_keys=True, default=str)
"##,
    r##"def @fn@(session: Session, since: dt.datetime, *, include_inactive: bool = False) -> list[Any]:
    """@W@ rows touched since ``since``, with a 2.0-style select."""
    stmt = select(@M@).where(@M@.id > 0)
    if not include_inactive and hasattr(@M@, "is_active"):
        stmt = stmt.where(@M@.is_active.is_(True))
    rows = session.execute(stmt.limit(BATCH_SIZE)).scalars().all()
    fresh = [row for row in rows if (getattr(row, "updated_at", None) or since) >= since]
    logger.debug("%d/%d fresh @W@ rows", len(fresh), len(rows))
    return fresh
"##,
    r##"def @fn@(session: Session, limit: int = @K@) -> list[tuple[Any, Any]]:
    """Pairs of @M@ and @M2@ rows for the reconciliation report."""
    pairs = session.query(@M@, @M2@).limit(limit).all()
    return [(left, right) for left, right in pairs if left is not None and right is not None]
"##,
    r##"def @fn@(session: Session, idents: Sequence[int]) -> int:
    """Archive @W@ rows in chunks of ``BATCH_SIZE``."""
    archived = 0
    for chunk in chunked(list(idents), BATCH_SIZE):
        rows = session.query(@M@).filter(@M@.id.in_(chunk)).all()
        for row in rows:
            setattr(row, "archived_at", utcnow())
            archived += 1
        session.flush()
    logger.info("archived %d of %d @W@ rows", archived, len(idents))
    return archived
"##,
    r##"def @fn@(payload: Mapping[str, Any], *, strict: bool = True) -> list[str]:
    """Validate a @W@ payload; returns the problems found."""
    problems: list[str] = []
    required = ("name", "status")
    missing = [key for key in required if not payload.get(key)]
    if missing:
        problems.append(f"missing: {', '.join(missing)}")
    amount = payload.get("amount")
    if amount is not None:
        try:
            if Decimal(str(amount)) < 0:
                problems.append(f"amount must not be negative, got {amount}")
        except ArithmeticError:
            problems.append(f"amount {amount!r} is not a number")
    if strict and (unknown := sorted(set(payload) - {"id", "name", "status", "amount", "tags"})):
        problems.append(f"unknown fields: {unknown}")
    return problems
"##,
];

const LOCAL_IMPORTS: &[&str] = &[
    r##"def @fn@(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Deferred import: @module@ is only needed here."""
    from @module@ import @func@

    return [@func@(session, row.get("id")) for row in rows if row]
"##,
    r##"def @fn@(session: Session, ident: int) -> Any:
    import @module@ as _impl

    logger.debug("delegating %s to %s", ident, _impl.__name__)
    return _impl.@func@(session, ident)
"##,
    r##"def @fn@(session: Session, ident: int, **options: Any) -> Any:
    from @relative@ import @func@ as _@func@  # avoids an import cycle

    if options.get("dry_run"):
        return None
    return _@func@(session, ident)
"##,
];

fn render_service(plan: &Plan, i: usize, rng: &mut Lcg) -> String {
    let m = &plan.modules[i];
    let p = m.pkg.unwrap();
    let pkg = plan.packages[p].name;
    let mut scope = Scope::default();
    for name in [
        "asyncio",
        "dt",
        "enum",
        "functools",
        "itertools",
        "json",
        "logging",
        "re",
        "time",
        "defaultdict",
        "contextmanager",
        "dataclass",
        "field",
        "Decimal",
        "TYPE_CHECKING",
        "Any",
        "Iterable",
        "Iterator",
        "Mapping",
        "Optional",
        "Sequence",
        "select",
        "Session",
        "app_config",
        "chunked",
        "slugify",
        "utcnow",
        "logger",
        "BATCH_SIZE",
        "THRESHOLD",
        "DEFAULT_TAGS",
    ] {
        scope.names.take(name);
    }
    for f in &m.funcs {
        scope.names.take(f);
    }
    let target_lines = rng.range(150, 300);
    let mut out = format!(
        "\"\"\"{} {} of the {pkg} domain.\"\"\"\nfrom __future__ import annotations\n\n{STDLIB_HEADER}",
        camel(m.noun),
        SERVICE_KINDS.iter().find(|k| m.stem.contains(&format!("_{k}"))).unwrap_or(&"module")
    );
    for &t in &m.imports {
        import_statement(plan, m, t, rng, &mut scope, &mut out);
    }
    if rng.chance(30) {
        let q = rng.below(plan.packages.len());
        let models = &plan.packages[q].models;
        let t = *rng.pick(models);
        let class = &plan.classes[plan.modules[t].classes[0]].name;
        if scope.names.take(class) {
            out.push_str(&format!(
                "\nif TYPE_CHECKING:\n    from {} import {class}\n",
                plan.modules[t].name
            ));
            scope.counter += 1;
            out.push_str(&format!(
                "\n\ndef describe_{}(obj: \"{class}\") -> str:\n    return f\"{{obj.__class__.__name__}}:{{obj.id}}\"\n",
                scope.counter
            ));
        }
    }
    let k = rng.range(3, 40).to_string();
    out.push_str(&format!(
        "\nlogger = logging.getLogger(__name__)\n\nBATCH_SIZE = app_config.DEFAULT_BATCH_SIZE // {}\nTHRESHOLD = {k}\nDEFAULT_TAGS: tuple[str, ...] = (\"{}\", \"{pkg}\")\n",
        rng.range(1, 4),
        m.noun
    ));
    if scope.models.is_empty() {
        scope.models.push("Any".to_owned());
    }
    if scope.funcs.is_empty() {
        scope.funcs.push("slugify".to_owned());
    }
    let word = m.noun;

    for (n, name) in m.funcs.iter().enumerate() {
        let verb = camel(name.split('_').next().unwrap());
        let model = rng.pick(&scope.models).clone();
        out.push_str("\n\n");
        out.push_str(&fill(
            PUBLIC[(n + rng.below(PUBLIC.len())) % PUBLIC.len()],
            &[("name", name), ("Verb", &verb), ("W", word), ("M", &model)],
        ));
    }
    let mut locals = m.local_imports.clone();
    while out.lines().count() < target_lines {
        out.push_str("\n\n");
        if let Some(t) = locals.pop() {
            let t = &plan.modules[t];
            let fname = scope
                .names
                .fresh(&format!("{}_via_{}", rng.pick(VERBS), t.noun), "_");
            let func = rng.pick(&t.funcs).clone();
            let relative = if t.pkg == m.pkg {
                format!(".{}", t.stem)
            } else {
                format!("..{}.{}", plan.packages[t.pkg.unwrap()].name, t.stem)
            };
            let template = LOCAL_IMPORTS[rng.below(LOCAL_IMPORTS.len())];
            out.push_str(&fill(
                template,
                &[
                    ("fn", &fname),
                    ("module", &t.name),
                    ("relative", &relative),
                    ("func", &func),
                ],
            ));
            continue;
        }
        let template = SNIPPETS[rng.below(SNIPPETS.len())];
        let entity = *rng.pick(ENTITIES);
        let fname = scope
            .names
            .fresh(&format!("{}_{entity}", rng.pick(VERBS)), "_");
        let fname2 = scope
            .names
            .fresh(&format!("{}_{entity}_keys", rng.pick(VERBS)), "_");
        let suffix = [
            "Service", "Manager", "Gateway", "Payload", "State", "Builder",
        ][rng.below(6)];
        let class = scope.names.fresh(&format!("{}{suffix}", camel(entity)), "");
        scope.counter += 1;
        let n = scope.counter.to_string();
        let k = rng.range(2, 64).to_string();
        let model = rng.pick(&scope.models).clone();
        let model2 = rng.pick(&scope.models).clone();
        let func = rng.pick(&scope.funcs).clone();
        out.push_str(&fill(
            template,
            &[
                ("fn2", &fname2),
                ("fn", &fname),
                ("C", &class),
                ("M2", &model2),
                ("M", &model),
                ("F", &func),
                ("K", &k),
                ("n", &n),
                ("W", entity),
            ],
        ));
    }
    out
}

fn render_api(plan: &Plan, i: usize, rng: &mut Lcg) -> String {
    let m = &plan.modules[i];
    let pkg = plan.packages[m.pkg.unwrap()].name;
    let mut out = format!(
        "\"\"\"HTTP endpoints of the {pkg} domain.\"\"\"\nfrom __future__ import annotations\n\nfrom typing import Any\n\nfrom acme.core.http import Router\n"
    );
    let mut handlers = String::new();
    for &t in &m.imports {
        let target = &plan.modules[t];
        if target.is_model() {
            out.push_str(&format!(
                "from . import {}  # noqa: F401  (registers the mappers)\n",
                target.stem
            ));
            continue;
        }
        let func = rng.pick(&target.funcs);
        let call = if rng.chance(50) {
            out.push_str(&format!("from . import {}\n", target.stem));
            format!("{}.{func}", target.stem)
        } else {
            let local = format!("{}_{func}", target.stem);
            out.push_str(&format!("from .{} import {func} as {local}\n", target.stem));
            local
        };
        handlers.push_str(&format!(
            "\n\n@router.get(\"/{}/{{ident}}\")\ndef {}_detail(ident: int) -> dict[str, Any]:\n    result = {call}(None, ident)\n    return {{\"id\": ident, \"result\": repr(result)}}\n",
            target.stem.replace('_', "-"),
            target.stem
        ));
    }
    out.push_str(&format!(
        "\nrouter = Router(prefix=\"/{pkg}\", tags=[\"{pkg}\"])\n"
    ));
    out.push_str(&handlers);
    out
}

// ---- tests -----------------------------------------------------------------------------------

fn render_test(plan: &Plan, i: usize, rng: &mut Lcg) -> String {
    let m = &plan.modules[i];
    let target = &plan.modules[m.imports[0]];
    let mut out = format!(
        "\"\"\"Tests for {}.\"\"\"\nfrom __future__ import annotations\n\nimport pytest\n\n",
        target.name
    );
    let mut scope = Scope::default();
    scope.names.take("pytest");
    // The module under test, in one of the usual spellings.
    let module_ref = match rng.below(3) {
        0 => {
            out.push_str(&format!(
                "from acme.{} import {}\n",
                plan.packages[target.pkg.unwrap()].name,
                target.stem
            ));
            target.stem.clone()
        }
        1 => {
            out.push_str(&format!("import {} as subject\n", target.name));
            "subject".to_owned()
        }
        _ => {
            out.push_str(&format!("import {}\n", target.name));
            target.name.clone()
        }
    };
    scope.names.take(&module_ref);
    let mut rest = &m.imports[1..];
    if plan.stray_tests.contains(&i) {
        // The project directory is on sys.path too, so this runs the model module a second time.
        let t = rest[0];
        let class = &plan.class_names(t)[0];
        let local = scope.bind(class, &format!("src_{class}"));
        let alias = if &local == class {
            String::new()
        } else {
            format!(" as {local}")
        };
        out.push_str(&format!(
            "from src.{} import {class}{alias}\n",
            plan.modules[t].name
        ));
        scope.models.push(local);
        rest = &rest[1..];
    }
    for &t in rest {
        import_statement(plan, m, t, rng, &mut scope, &mut out);
    }
    if rng.chance(50) {
        out.push_str("from tests.factories import build_payload, build_rows\n");
    } else {
        out.push_str("from tests.factories import build_payload\n");
    }
    let model = scope
        .models
        .first()
        .cloned()
        .unwrap_or_else(|| "object".to_owned());
    let target_lines = rng.range(60, 150);
    let mut n = 0;
    out.push_str(&format!(
        "\n\n@pytest.fixture\ndef payload() -> dict:\n    return build_payload(kind=\"{}\", size={})\n",
        target.noun,
        rng.range(1, 5)
    ));
    while out.lines().count() < target_lines {
        n += 1;
        let func = rng.pick(&target.funcs).clone();
        let block = match rng.below(4) {
            0 => format!(
                "\n\ndef test_{func}_missing_{n}(db_session) -> None:\n    assert {module_ref}.{func} is not None\n    with pytest.raises(Exception):\n        {module_ref}.{func}(db_session, -{n}, strict=True)\n"
            ),
            1 => format!(
                "\n\n@pytest.mark.parametrize((\"raw\", \"expected\"), [(\"A\", \"a\"), (\" b \", \"b\"), (\"\", \"\")])\ndef test_normalise_{n}(raw: str, expected: str) -> None:\n    assert raw.strip().lower() == expected\n"
            ),
            2 => format!(
                "\n\nclass Test{}{n}:\n    def test_repr(self) -> None:\n        obj = {model}()\n        assert f\"{{obj!r}}\"\n\n    def test_columns(self) -> None:\n        columns = {{c.name for c in {model}.__table__.columns}}\n        assert \"id\" in columns, sorted(columns)\n",
                camel(&func)
            ),
            _ => format!(
                "\n\ndef test_payload_round_trip_{n}(payload) -> None:\n    data = {{**payload, \"extra\": [i * {n} for i in range(3)]}}\n    assert data[\"name\"].startswith(\"{}\")\n    assert sum(data[\"extra\"]) == {}\n",
                target.noun,
                3 * n
            ),
        };
        out.push_str(&block);
    }
    out
}
