//! Client subcommands: the People API over HTTP, through `roster-client`, against a running
//! Roster or Webex itself. Errors print the Webex message and tracking id and exit non-zero.

use crate::cli::{ApiArgs, PeopleCommand, PersonFields};
use anyhow::Context;
use futures_util::TryStreamExt;
use roster_client::{Client, ClientError, ListParams, WriteOptions};
use roster_types::{Person, PersonInput};

fn client(api: &ApiArgs) -> anyhow::Result<Client> {
    Ok(Client::builder(&api.base_url, &api.token).build()?)
}

/// Webex errors, said the way a person reads them.
fn explain(error: ClientError) -> anyhow::Error {
    match error {
        ClientError::Api {
            status,
            message,
            errors,
            tracking_id,
        } => {
            let details: Vec<String> = errors.into_iter().filter(|e| *e != message).collect();
            let details = if details.is_empty() {
                String::new()
            } else {
                format!(" ({})", details.join("; "))
            };
            anyhow::anyhow!("{status}: {message}{details} [trackingId {tracking_id}]")
        }
        other => anyhow::Error::new(other),
    }
}

pub async fn me(api: ApiArgs, calling_data: bool) -> anyhow::Result<()> {
    let person = client(&api)?.me(calling_data).await.map_err(explain)?;
    print_person(&person, api.json)
}

pub async fn people(command: PeopleCommand) -> anyhow::Result<()> {
    match command {
        PeopleCommand::List {
            api,
            email,
            display_name,
            ids,
            org_id,
            max,
            limit,
        } => {
            let client = client(&api)?;
            let params = ListParams {
                email,
                display_name,
                ids,
                org_id,
                max,
                ..ListParams::default()
            };
            let mut stream = Box::pin(client.list_all(&params));
            let mut people = Vec::new();
            while let Some(person) = stream.try_next().await.map_err(explain)? {
                people.push(person);
                if limit.is_some_and(|l| people.len() >= l) {
                    break;
                }
            }
            if api.json {
                for person in &people {
                    println!("{}", serde_json::to_string(person)?);
                }
            } else {
                print_table(&people);
            }
            Ok(())
        }
        PeopleCommand::Get { api, id } => {
            let person = client(&api)?.get(&id).await.map_err(explain)?;
            print_person(&person, api.json)
        }
        PeopleCommand::Create { api, fields } => {
            let input = apply(PersonInput::default(), fields);
            let person = client(&api)?
                .create(&input, WriteOptions::default())
                .await
                .map_err(explain)?;
            print_person(&person, api.json)
        }
        PeopleCommand::Update { api, id, fields } => {
            let client = client(&api)?;
            // Webex's PUT replaces everything: start from the current person.
            let current = client.get(&id).await.map_err(explain)?;
            let input = apply(input_from(&current), fields);
            let person = client
                .update(&id, &input, WriteOptions::default())
                .await
                .map_err(explain)?;
            print_person(&person, api.json)
        }
        PeopleCommand::Delete { api, id } => {
            client(&api)?.delete(&id).await.map_err(explain)?;
            eprintln!("deleted {id}");
            Ok(())
        }
    }
}

/// The settable fields of a person as it was read.
fn input_from(person: &Person) -> PersonInput {
    PersonInput {
        emails: Some(person.emails.clone()),
        phone_numbers: Some(person.phone_numbers.clone()),
        extension: person.extension.clone(),
        location_id: person.location_id.clone(),
        display_name: person.display_name.clone(),
        nick_name: person.nick_name.clone(),
        first_name: person.first_name.clone(),
        last_name: person.last_name.clone(),
        avatar: person.avatar.clone(),
        org_id: Some(person.org_id.clone()),
        roles: person.roles.clone(),
        licenses: person.licenses.clone(),
        department: person.department.clone(),
        manager: person.manager.clone(),
        manager_id: person.manager_id.clone(),
        title: person.title.clone(),
        addresses: Some(person.addresses.clone()),
        site_urls: Some(person.site_urls.clone()),
        timezone: person.timezone.clone(),
        login_enabled: person.login_enabled,
    }
}

fn apply(mut input: PersonInput, fields: PersonFields) -> PersonInput {
    if !fields.emails.is_empty() {
        input.emails = Some(fields.emails);
    }
    let set = |slot: &mut Option<String>, value: Option<String>| {
        if value.is_some() {
            *slot = value;
        }
    };
    set(&mut input.display_name, fields.display_name);
    set(&mut input.first_name, fields.first_name);
    set(&mut input.last_name, fields.last_name);
    set(&mut input.title, fields.title);
    set(&mut input.department, fields.department);
    set(&mut input.org_id, fields.org_id);
    input
}

fn print_person(person: &Person, json: bool) -> anyhow::Result<()> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(person).context("encode")?
        );
        return Ok(());
    }
    let value = serde_json::to_value(person)?;
    let object = value.as_object().context("a person is an object")?;
    let width = object.keys().map(|k| k.len()).max().unwrap_or(0);
    for (key, value) in object {
        let shown = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        println!("{key:<width$}  {shown}");
    }
    Ok(())
}

fn print_table(people: &[Person]) {
    let rows: Vec<[String; 4]> = people
        .iter()
        .map(|p| {
            [
                p.display_name.clone().unwrap_or_default(),
                p.emails.first().cloned().unwrap_or_default(),
                p.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
                p.id.clone(),
            ]
        })
        .collect();
    let headers = ["NAME", "EMAIL", "STATUS", "ID"];
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([headers[i].len()])
                .max()
                .unwrap_or(0)
                .min(40)
        })
        .collect();
    let print_row = |cells: [&str; 4]| {
        println!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    };
    print_row(headers);
    for r in &rows {
        print_row([&r[0], &r[1], &r[2], &r[3]]);
    }
    eprintln!("{} people", rows.len());
}
