//! Prints the caller's own details.
//!
//!   WEBEX_ACCESS_TOKEN=... cargo run -p roster-client --example me -- http://127.0.0.1:8080/v1
//!
//! Without an argument it asks Webex itself.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("WEBEX_ACCESS_TOKEN").map_err(|_| "set WEBEX_ACCESS_TOKEN")?;
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| roster_client::WEBEX_BASE_URL.to_string());
    let client = roster_client::Client::builder(base, token).build()?;
    let me = client.me(false).await?;
    println!("{}", serde_json::to_string_pretty(&me)?);
    Ok(())
}
