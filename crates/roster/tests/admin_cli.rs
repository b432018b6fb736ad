//! The offline administration commands: `roster org ...` and `roster person ...`, run as
//! the real binary on a fresh database each.

mod common;

use common::{init_acme, roster, sqlite, Outcome};
use serde_json::Value;

struct Db {
    _dir: tempfile::TempDir,
    url: String,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite(&dir.path().join("roster.db"));
        Db { _dir: dir, url }
    }

    /// A database with one organization ("Acme") and its admin, as `roster init` leaves it.
    fn initialized() -> Db {
        let db = Db::new();
        init_acme(&db.url);
        db
    }

    fn run(&self, args: &[&str]) -> Outcome {
        roster(args).database(&self.url).run()
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        roster(args).database(&self.url).ok()
    }

    /// Runs a command that must succeed and print one line (an id, a token); returns it.
    fn ok_line(&self, args: &[&str]) -> String {
        roster(args).database(&self.url).ok_line()
    }

    /// Runs a command that must fail with nothing on stdout; returns its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let outcome = roster(args).database(&self.url).fails();
        assert!(outcome.stdout.is_empty(), "{outcome}");
        outcome.stderr
    }

    fn json_lines(&self, args: &[&str]) -> Vec<Value> {
        self.ok(args)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn orgs(&self) -> Vec<Value> {
        self.json_lines(&["org", "list", "--json"])
    }

    fn people(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["person", "list", "--json"];
        args.extend_from_slice(extra);
        self.json_lines(&args)
    }
}

fn decode_id(id: &str) -> String {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .unwrap();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn org_create_list_and_manage_by_id_uuid_and_name() {
    let db = Db::new();
    let acme = db.ok_line(&["org", "create", "--name", "Acme"]);
    assert!(
        decode_id(&acme).starts_with("ciscospark://us/ORGANIZATION/"),
        "{acme}"
    );
    // --partner-of: the new organization manages the one named.
    let partners = db.ok_line(&[
        "org",
        "create",
        "--name",
        "Acme Partners",
        "--partner-of",
        "Acme",
    ]);
    let globex = db.ok_line(&["org", "create", "--name", "Globex"]);

    let orgs = db.orgs();
    assert_eq!(orgs.len(), 3);
    let by_id = |id: &str| orgs.iter().find(|o| o["id"] == id).unwrap().clone();
    assert_eq!(by_id(&partners)["name"], "Acme Partners");
    assert_eq!(by_id(&partners)["managedOrgs"], serde_json::json!([acme]));
    assert_eq!(by_id(&acme)["managedOrgs"], serde_json::json!([]));

    // Manage by Webex id (partner) and raw UUID (customer).
    let globex_uuid = by_id(&globex)["uuid"].as_str().unwrap().to_string();
    let out = db.ok(&[
        "org",
        "manage",
        "--partner",
        &partners,
        "--customer",
        &globex_uuid,
    ]);
    assert!(out.is_empty(), "nothing for scripts: {out:?}");
    let managed = by_id_in(&db.orgs(), &partners)["managedOrgs"].clone();
    assert_eq!(managed.as_array().unwrap().len(), 2);
    assert!(managed
        .as_array()
        .unwrap()
        .contains(&Value::from(globex.clone())));

    // The table shows ids, names and the managed organizations by name.
    let table = db.ok(&["org", "list"]);
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("ID") && header.contains("NAME") && header.contains("MANAGES"));
    let partner_row = table.lines().find(|l| l.starts_with(&partners)).unwrap();
    assert!(partner_row.contains("Acme Partners"), "{table}");
    assert!(
        partner_row.contains("Acme, Globex") || partner_row.contains("Globex, Acme"),
        "{table}"
    );

    // --remove by name; removing again is an error.
    db.ok(&[
        "org",
        "manage",
        "--partner",
        "Acme Partners",
        "--customer",
        "Globex",
        "--remove",
    ]);
    assert_eq!(
        by_id_in(&db.orgs(), &partners)["managedOrgs"],
        serde_json::json!([acme])
    );
    let err = db.fails(&[
        "org",
        "manage",
        "--partner",
        "Acme Partners",
        "--customer",
        "Globex",
        "--remove",
    ]);
    assert!(err.contains("does not manage"), "{err}");

    // Errors: unknown organization, self-management, ambiguous names.
    let err = db.fails(&["org", "manage", "--partner", "Nobody", "--customer", "Acme"]);
    assert!(
        err.contains("no organization has the id or name 'Nobody'"),
        "{err}"
    );
    let err = db.fails(&["org", "manage", "--partner", "Acme", "--customer", &acme]);
    assert!(err.contains("cannot manage itself"), "{err}");
    let err = db.fails(&["org", "create", "--name", "X", "--partner-of", "Nobody"]);
    assert!(err.contains("no organization"), "{err}");
    assert_eq!(db.orgs().len(), 3, "a failed create creates nothing");

    let second_acme = db.ok_line(&["org", "create", "--name", "Acme"]);
    let err = db.fails(&["org", "manage", "--partner", "Globex", "--customer", "Acme"]);
    assert!(
        err.contains("several organizations are named 'Acme'"),
        "{err}"
    );
    assert!(err.contains(&acme) && err.contains(&second_acme), "{err}");
    db.ok(&[
        "org",
        "manage",
        "--partner",
        "Globex",
        "--customer",
        &second_acme,
    ]);
    assert_eq!(
        by_id_in(&db.orgs(), &globex)["managedOrgs"],
        serde_json::json!([second_acme])
    );
}

fn by_id_in(orgs: &[Value], id: &str) -> Value {
    orgs.iter().find(|o| o["id"] == id).unwrap().clone()
}

#[test]
fn person_add_prints_the_id_and_stores_what_was_given() {
    let db = Db::initialized();
    let id = db.ok_line(&[
        "person",
        "add",
        "--email",
        "Ada@Acme.test",
        "--first-name",
        "Ada",
        "--last-name",
        "Lovelace",
        "--title",
        "Analyst",
        "--role",
        "user-admin",
        "--role",
        "readonly-admin",
        "--role",
        "user-admin",
    ]);
    assert!(
        decode_id(&id).starts_with("ciscospark://us/PEOPLE/"),
        "{id}"
    );

    let person: Value = serde_json::from_str(&db.ok(&["person", "show", &id, "--json"])).unwrap();
    assert_eq!(person["id"], id);
    assert_eq!(person["emails"], serde_json::json!(["Ada@Acme.test"]));
    assert_eq!(
        person["displayName"], "Ada Lovelace",
        "derived from the names"
    );
    assert_eq!(person["firstName"], "Ada");
    assert_eq!(person["lastName"], "Lovelace");
    assert_eq!(person["title"], "Analyst");
    assert_eq!(
        person["roles"],
        serde_json::json!(["readonly-admin", "user-admin"])
    );
    assert_eq!(person["type"], "person");
    assert_eq!(person["invitePending"], true, "as after POST /v1/people");
    assert_eq!(person["loginEnabled"], true);
    let org = &db.orgs()[0];
    assert_eq!(person["orgId"], org["id"]);

    // A bot with only an email: the display name falls back to the email.
    let bot = db.ok_line(&["person", "add", "--email", "helper@webex.bot", "--bot"]);
    let bot: Value = serde_json::from_str(&db.ok(&["person", "show", &bot, "--json"])).unwrap();
    assert_eq!(bot["type"], "bot");
    assert_eq!(bot["displayName"], "helper@webex.bot");
    assert_eq!(bot["roles"], serde_json::json!([]));

    // The same email in another case is taken.
    let err = db.fails(&[
        "person",
        "add",
        "--email",
        "ADA@acme.TEST",
        "--display-name",
        "Copy",
    ]);
    assert!(err.contains("already exists") && err.contains(&id), "{err}");
    assert_eq!(db.people(&[]).len(), 3, "admin, Ada and the bot");

    // Bad input is refused before anything is written.
    let err = db.fails(&["person", "add", "--email", "not-an-email"]);
    assert!(err.contains("not a valid email"), "{err}");
    let output = db.run(&["person", "add", "--email", "x@acme.test", "--role", "owner"]);
    assert!(!output.status.success());
    assert!(output.stderr.contains("full-admin"), "{}", output.stderr);
}

#[test]
fn person_add_chooses_the_organization() {
    let db = Db::new();
    let err = db.fails(&["person", "add", "--email", "a@acme.test"]);
    assert!(err.contains("no organization"), "{err}");

    let acme = db.ok_line(&["org", "create", "--name", "Acme"]);
    let a = db.ok_line(&["person", "add", "--email", "a@acme.test"]);
    let globex = db.ok_line(&["org", "create", "--name", "Globex"]);
    let err = db.fails(&["person", "add", "--email", "b@globex.test"]);
    assert!(err.contains("--org"), "{err}");
    let b = db.ok_line(&[
        "person",
        "add",
        "--email",
        "b@globex.test",
        "--org",
        "Globex",
    ]);
    let show = |id: &str| -> Value {
        serde_json::from_str(&db.ok(&["person", "show", id, "--json"])).unwrap()
    };
    assert_eq!(show(&a)["orgId"], acme);
    assert_eq!(show(&b)["orgId"], globex);

    // --org on list.
    let globex_people = db.people(&["--org", &globex]);
    assert_eq!(globex_people.len(), 1);
    assert_eq!(globex_people[0]["id"], b);
    assert_eq!(db.people(&[]).len(), 2);
}

#[test]
fn person_list_pages_through_a_large_directory_as_a_table_and_as_json() {
    let db = Db::initialized();
    let mut added = Vec::new();
    for i in 0..30 {
        // Names out of insertion order, so the name-ordered listing differs.
        let name = format!("{} Person {i:02}", if i % 2 == 0 { "Zed" } else { "Amy" });
        let email = format!("p{i:02}@acme.test");
        let role = if i % 10 == 0 { "device-admin" } else { "" };
        let mut args = vec!["person", "add", "--email", &email, "--display-name", &name];
        if !role.is_empty() {
            args.extend(["--role", role]);
        }
        added.push(db.ok_line(&args));
    }

    // Every person once, in insertion order, over many pages of 7.
    let all = db.people(&["--page-size", "7"]);
    assert_eq!(all.len(), 31);
    assert_eq!(all[0]["emails"][0], "admin@acme.test");
    let ids: Vec<&str> = all[1..].iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, added.iter().map(String::as_str).collect::<Vec<_>>());
    // A page size that divides the total exactly ends cleanly too.
    assert_eq!(db.people(&["--page-size", "31"]).len(), 31);
    assert_eq!(db.people(&["--page-size", "1"]).len(), 31);

    // A prefix (case-insensitive): ordered by name, paged with name cursors.
    let amys = db.people(&["--display-name", "amy", "--page-size", "4"]);
    assert_eq!(amys.len(), 15);
    let names: Vec<&str> = amys
        .iter()
        .map(|p| p["displayName"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.iter().all(|n| n.starts_with("Amy ")));
    assert!(db.people(&["--display-name", "nobody"]).is_empty());

    // The table: a header, then one row per person with id, email, name, type, roles.
    let table = db.ok(&["person", "list", "--page-size", "7"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 32, "{table}");
    for column in ["ID", "EMAIL", "NAME", "TYPE", "ROLES"] {
        assert!(lines[0].contains(column), "{}", lines[0]);
    }
    let zed0 = lines.iter().find(|l| l.contains("p00@acme.test")).unwrap();
    assert!(zed0.starts_with(&added[0]), "{zed0}");
    assert!(
        zed0.contains("Zed Person 00") && zed0.contains("person"),
        "{zed0}"
    );
    assert!(zed0.ends_with("device-admin"), "{zed0}");
    let admin = lines
        .iter()
        .find(|l| l.contains("admin@acme.test"))
        .unwrap();
    assert!(admin.ends_with("full-admin"), "{admin}");
    // Columns line up across pages: the email column starts at the same place.
    let email_at = |line: &str, email: &str| line.find(email).unwrap();
    assert_eq!(
        email_at(lines[1], "admin@acme.test"),
        email_at(lines[31], "p29@acme.test")
    );

    let filtered = db.ok(&["person", "list", "--display-name", "zed person 2"]);
    assert_eq!(filtered.lines().count(), 1 + 5, "{filtered}");

    // An empty result is a header only.
    let empty = db.ok(&["person", "list", "--display-name", "nobody"]);
    assert_eq!(empty.lines().count(), 1, "{empty}");
}

#[test]
fn person_show_by_id_uuid_and_email_and_remove() {
    let db = Db::initialized();
    let id = db.ok_line(&[
        "person",
        "add",
        "--email",
        "grace@acme.test",
        "--display-name",
        "Grace Hopper",
        "--role",
        "full-admin",
    ]);
    let json: Value =
        serde_json::from_str(&db.ok(&["person", "show", "GRACE@acme.test", "--json"])).unwrap();
    assert_eq!(json["id"], id);
    let uuid = json["uuid"].as_str().unwrap().to_string();
    assert!(decode_id(&id).ends_with(&uuid));

    let card = db.ok(&["person", "show", &uuid]);
    let by_id = db.ok(&["person", "show", &id]);
    assert_eq!(card, by_id);
    for expected in [
        id.as_str(),
        "Grace Hopper",
        "grace@acme.test",
        "full-admin",
        "Acme",
        "invite pending:",
        "login enabled:",
        "created:",
    ] {
        assert!(card.contains(expected), "{expected} in {card}");
    }
    let field = |name: &str| {
        card.lines()
            .find(|l| l.starts_with(&format!("{name}:")))
            .unwrap_or_else(|| panic!("{name} in {card}"))
            .split_once(':')
            .unwrap()
            .1
            .trim()
            .to_string()
    };
    assert_eq!(field("invite pending"), "yes");
    assert_eq!(field("type"), "person");

    let err = db.fails(&["person", "show", "nobody@acme.test"]);
    assert!(
        err.contains("no person has the email 'nobody@acme.test'"),
        "{err}"
    );
    let err = db.fails(&["person", "show", "garbage"]);
    assert!(
        err.contains("neither an email address nor a person id"),
        "{err}"
    );
    let org_id = db.orgs()[0]["id"].as_str().unwrap().to_string();
    let err = db.fails(&["person", "show", &org_id]);
    assert!(err.contains("another kind"), "{err}");

    // Remove by id; then it is gone and removing again fails clearly.
    let out = db.ok(&["person", "remove", &id]);
    assert!(out.is_empty(), "{out:?}");
    let err = db.fails(&["person", "show", &id]);
    assert!(err.contains("no person has the id"), "{err}");
    let err = db.fails(&["person", "remove", &id]);
    assert!(err.contains("no person has the id"), "{err}");
    assert_eq!(db.people(&[]).len(), 1);

    // Remove by email, which frees the email.
    db.ok(&["person", "add", "--email", "temp@acme.test"]);
    db.ok(&["person", "remove", "TEMP@acme.test"]);
    let err = db.fails(&["person", "remove", "temp@acme.test"]);
    assert!(err.contains("no person has the email"), "{err}");
    db.ok(&["person", "add", "--email", "temp@acme.test"]);
}

#[test]
fn a_removed_person_gets_no_new_token_and_admin_commands_have_help() {
    let db = Db::initialized();
    db.ok(&["person", "add", "--email", "t@acme.test"]);
    let token = db.ok_line(&["token", "create", "--email", "t@acme.test"]);
    assert!(!token.is_empty());
    db.ok(&["person", "remove", "t@acme.test"]);
    let err = db.fails(&["token", "create", "--email", "t@acme.test"]);
    assert!(err.contains("no person has the email"), "{err}");

    for args in [
        vec!["org", "--help"],
        vec!["org", "create", "--help"],
        vec!["org", "list", "--help"],
        vec!["org", "manage", "--help"],
        vec!["person", "--help"],
        vec!["person", "add", "--help"],
        vec!["person", "list", "--help"],
        vec!["person", "show", "--help"],
        vec!["person", "remove", "--help"],
    ] {
        let text = roster(&args).ok();
        assert!(text.contains("Usage"), "{args:?}");
        assert!(text.contains("Example"), "{args:?}: {text}");
        assert!(!text.contains("--page-size"), "hidden flag shown: {args:?}");
    }
}
