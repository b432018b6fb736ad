use roster_store::PresenceSetting;
use roster_types::PresenceStatus;

pub async fn set(
    url: &str,
    email: &str,
    state: &str,
    duration: Option<std::time::Duration>,
) -> anyhow::Result<()> {
    let store = super::open_store(url).await?;
    let setting = if state.eq_ignore_ascii_case("auto") {
        PresenceSetting {
            state: None,
            until: None,
        }
    } else {
        let state = PresenceStatus::parse(state).ok_or_else(|| {
            let all: Vec<&str> = PresenceStatus::ALL.iter().map(|s| s.as_str()).collect();
            anyhow::anyhow!("unknown state '{state}'; one of: auto, {}", all.join(", "))
        })?;
        let now = store.clock().now_millis();
        let until = duration.map(|d| now + d.as_millis().min(i64::MAX as u128 / 2) as i64);
        PresenceSetting {
            state: Some(state),
            until,
        }
    };
    let person = super::person::resolve_person(store.as_ref(), email).await?;
    store.set_presence(person.id, setting).await?;
    store.close().await;
    Ok(())
}

pub async fn sharing(url: &str, email: &str, enabled: bool) -> anyhow::Result<()> {
    let store = super::open_store(url).await?;
    let person = super::person::resolve_person(store.as_ref(), email).await?;
    store.set_status_sharing(person.id, enabled).await?;
    store.close().await;
    Ok(())
}
