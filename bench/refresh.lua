-- wrk: POST /v1/access_token with the refresh grant; the form is set by bench/oauth.sh
-- through the environment (client credentials and one refresh token).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = os.getenv("REFRESH_FORM")
