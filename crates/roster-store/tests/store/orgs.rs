//! Organizations, the partners that manage them, their locations and licenses.

use crate::helpers::{conflict, invalid, next_millisecond, open};
use uuid::Uuid;

#[tokio::test]
async fn an_org_is_created_with_the_id_asked_for_or_a_new_one() {
    let store = open().await;
    let chosen = Uuid::new_v4();
    let acme = store.create_org(Some(chosen), "Acme").await.unwrap();
    assert_eq!(acme.id, chosen);
    assert_eq!(acme.display_name, "Acme");
    let globex = store.create_org(None, "Globex").await.unwrap();
    assert_ne!(globex.id, chosen);
    assert_eq!(store.get_org(chosen).await.unwrap(), Some(acme));
    assert_eq!(store.get_org(globex.id).await.unwrap(), Some(globex));
}

#[tokio::test]
async fn a_taken_org_id_is_a_conflict() {
    let store = open().await;
    let acme = store.org("Acme").await;
    conflict(store.create_org(Some(acme.id), "Acme again").await);
    assert_eq!(store.list_orgs().await.unwrap(), vec![acme]);
}

#[tokio::test]
async fn an_unknown_org_is_none() {
    let store = open().await;
    store.org("Acme").await;
    assert_eq!(store.get_org(Uuid::new_v4()).await.unwrap(), None);
}

#[tokio::test]
async fn orgs_are_listed_oldest_first() {
    let store = open().await;
    let mut created = Vec::new();
    for name in ["Zeta", "Alpha", "Mu"] {
        created.push(store.org(name).await);
        next_millisecond().await;
    }
    assert_eq!(store.list_orgs().await.unwrap(), created);
}

#[tokio::test]
async fn managing_an_org_twice_makes_one_relation() {
    let store = open().await;
    let partner = store.org("Partner").await;
    let customer = store.org("Customer").await;
    store
        .add_managed_org(partner.id, customer.id)
        .await
        .unwrap();
    store
        .add_managed_org(partner.id, customer.id)
        .await
        .unwrap();
    assert_eq!(
        store.managed_orgs(partner.id).await.unwrap(),
        vec![customer.id]
    );
    assert!(store
        .remove_managed_org(partner.id, customer.id)
        .await
        .unwrap());
    assert_eq!(
        store.managed_orgs(partner.id).await.unwrap(),
        Vec::<Uuid>::new()
    );
}

#[tokio::test]
async fn managed_orgs_are_listed_in_id_order_for_their_partner_only() {
    let store = open().await;
    let partner = store.org("Partner").await;
    let other_partner = store.org("Other partner").await;
    let mut customers = Vec::new();
    for name in ["C1", "C2", "C3", "C4"] {
        let customer = store.org(name).await;
        store
            .add_managed_org(partner.id, customer.id)
            .await
            .unwrap();
        customers.push(customer.id);
    }
    let elsewhere = store.org("Elsewhere").await;
    store
        .add_managed_org(other_partner.id, elsewhere.id)
        .await
        .unwrap();
    customers.sort();
    assert_eq!(store.managed_orgs(partner.id).await.unwrap(), customers);
    assert_eq!(
        store.managed_orgs(other_partner.id).await.unwrap(),
        vec![elsewhere.id]
    );
    // Management is one way: a customer manages nobody.
    assert_eq!(
        store.managed_orgs(customers[0]).await.unwrap(),
        Vec::<Uuid>::new()
    );
}

#[tokio::test]
async fn removing_a_relation_reports_whether_there_was_one() {
    let store = open().await;
    let partner = store.org("Partner").await;
    let customer = store.org("Customer").await;
    let kept = store.org("Kept").await;
    store
        .add_managed_org(partner.id, customer.id)
        .await
        .unwrap();
    store.add_managed_org(partner.id, kept.id).await.unwrap();
    assert!(store
        .remove_managed_org(partner.id, customer.id)
        .await
        .unwrap());
    assert!(!store
        .remove_managed_org(partner.id, customer.id)
        .await
        .unwrap());
    // The relation runs one way: the reverse was never there.
    assert!(!store.remove_managed_org(kept.id, partner.id).await.unwrap());
    assert_eq!(store.managed_orgs(partner.id).await.unwrap(), vec![kept.id]);
}

#[tokio::test]
async fn an_org_cannot_manage_itself() {
    let store = open().await;
    let acme = store.org("Acme").await;
    invalid(store.add_managed_org(acme.id, acme.id).await);
    assert_eq!(
        store.managed_orgs(acme.id).await.unwrap(),
        Vec::<Uuid>::new()
    );
}

#[tokio::test]
async fn managing_an_unknown_org_is_invalid() {
    let store = open().await;
    let acme = store.org("Acme").await;
    invalid(store.add_managed_org(acme.id, Uuid::new_v4()).await);
    invalid(store.add_managed_org(Uuid::new_v4(), acme.id).await);
    assert_eq!(
        store.managed_orgs(acme.id).await.unwrap(),
        Vec::<Uuid>::new()
    );
}

#[tokio::test]
async fn a_location_is_created_with_the_id_asked_for_or_a_new_one() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let chosen = store
        .create_location(acme.id, Some("63715".into()), "Milpitas")
        .await
        .unwrap();
    assert_eq!(chosen.id, "63715");
    assert_eq!(chosen.org_id, acme.id);
    assert_eq!(chosen.name, "Milpitas");
    let fresh = store.create_location(acme.id, None, "Oslo").await.unwrap();
    assert!(!fresh.id.is_empty());
    assert_ne!(fresh.id, chosen.id);
    assert_eq!(store.get_location("63715").await.unwrap(), Some(chosen));
    assert_eq!(store.get_location(&fresh.id).await.unwrap(), Some(fresh));
    assert_eq!(store.get_location("nowhere").await.unwrap(), None);
}

#[tokio::test]
async fn locations_are_listed_by_name_within_their_org() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let globex = store.org("Globex").await;
    let oslo = store.create_location(acme.id, None, "Oslo").await.unwrap();
    let berlin = store
        .create_location(acme.id, None, "Berlin")
        .await
        .unwrap();
    let lima = store.create_location(acme.id, None, "Lima").await.unwrap();
    store
        .create_location(globex.id, None, "Athens")
        .await
        .unwrap();
    assert_eq!(
        store.list_locations(acme.id).await.unwrap(),
        vec![berlin, lima, oslo]
    );
    assert_eq!(store.list_locations(Uuid::new_v4()).await.unwrap(), vec![]);
}

#[tokio::test]
async fn a_taken_location_id_is_a_conflict() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let milpitas = store
        .create_location(acme.id, Some("1".into()), "Milpitas")
        .await
        .unwrap();
    conflict(
        store
            .create_location(acme.id, Some("1".into()), "Oslo")
            .await,
    );
    assert_eq!(store.list_locations(acme.id).await.unwrap(), vec![milpitas]);
}

#[tokio::test]
async fn a_location_in_an_unknown_org_is_invalid() {
    let store = open().await;
    invalid(
        store
            .create_location(Uuid::new_v4(), Some("1".into()), "Nowhere")
            .await,
    );
    assert_eq!(store.get_location("1").await.unwrap(), None);
}

#[tokio::test]
async fn a_new_license_id_carries_its_org_and_the_initials_of_its_name() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let license = store
        .create_license(acme.id, None, "Advanced messaging", 1000)
        .await
        .unwrap();
    let (org_part, rest) = license.id.split_once(':').expect("<org>:<code>_<uuid>");
    assert_eq!(org_part, acme.id.hyphenated().to_string());
    let (code, unique) = rest.split_once('_').expect("<code>_<uuid>");
    assert_eq!(code, "AM");
    Uuid::parse_str(unique).expect("a UUID after the code");
    assert_eq!(license.org_id, acme.id);
    assert_eq!(license.name, "Advanced messaging");
    assert_eq!(license.total_units, 1000);
    let another = store
        .create_license(acme.id, None, "Advanced messaging", 5)
        .await
        .unwrap();
    assert_ne!(another.id, license.id);
}

#[tokio::test]
async fn licenses_are_listed_by_name_within_their_org_with_their_ids() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let globex = store.org("Globex").await;
    let meetings = store
        .create_license(acme.id, Some("kept-id".into()), "Meetings", 10)
        .await
        .unwrap();
    assert_eq!(meetings.id, "kept-id");
    let calling = store
        .create_license(acme.id, None, "Calling", 20)
        .await
        .unwrap();
    store
        .create_license(globex.id, None, "Anything", 1)
        .await
        .unwrap();
    assert_eq!(
        store.list_licenses(acme.id).await.unwrap(),
        vec![calling, meetings]
    );
}

#[tokio::test]
async fn a_taken_license_id_is_a_conflict_and_an_unknown_org_invalid() {
    let store = open().await;
    let acme = store.org("Acme").await;
    let first = store
        .create_license(acme.id, Some("L1".into()), "Meetings", 10)
        .await
        .unwrap();
    conflict(
        store
            .create_license(acme.id, Some("L1".into()), "Calling", 5)
            .await,
    );
    invalid(
        store
            .create_license(Uuid::new_v4(), Some("L2".into()), "Calling", 5)
            .await,
    );
    assert_eq!(store.list_licenses(acme.id).await.unwrap(), vec![first]);
}
