"""Builders of the user side: sign-in and sessions, account e-mails, API keys, notifications and webhooks,
account deletion and export. Each takes the container it builds for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.config import mail_sender

if TYPE_CHECKING:
    from chalicelib.adapters.binance.exchange import BinanceSpotExchange
    from chalicelib.bootstrap.container import Container
    from chalicelib.services.account import AccountService
    from chalicelib.services.account_email import AccountEmails
    from chalicelib.services.api_keys import ApiKeyService
    from chalicelib.services.auth import AuthService, LoginLimits
    from chalicelib.services.key_audit import KeyAuditTrail
    from chalicelib.services.mfa import MfaService
    from chalicelib.services.notifications import NotificationService


def _login_limits(c: Container) -> LoginLimits:
    from chalicelib.services.auth import LoginLimits

    cfg, extra = c.settings, c.settings.extra
    return LoginLimits(
        cfg.login_max_per_account,
        cfg.login_max_per_ip,
        cfg.login_window_s,
        account_ceiling=int(extra.get("TRADEBOT_LOGIN_ACCOUNT_CEILING", "20")),
        register_per_address=int(extra.get("TRADEBOT_REGISTER_PER_ADDRESS", "10")),
        mail_per_address=int(extra.get("TRADEBOT_MAIL_PER_ADDRESS", "3")),
        mail_per_source=int(extra.get("TRADEBOT_MAIL_PER_SOURCE", "20")),
        session_max_age_s=int(extra.get("TRADEBOT_SESSION_MAX_AGE_S", str(30 * 24 * 3600))),
    )


def auth(c: Container) -> AuthService:
    from chalicelib.adapters.dynamo.attempts import DynamoAttemptCounter
    from chalicelib.adapters.dynamo.mfa import DynamoSessionStore
    from chalicelib.adapters.dynamo.users import DynamoMailTokenStore, DynamoRefreshTokenStore, DynamoUserRepository
    from chalicelib.adapters.jwt_tokens import JwtAccessTokens, secret_from_secrets_manager
    from chalicelib.adapters.passwords import Argon2Hasher, ZxcvbnStrength
    from chalicelib.services.auth import AuthService

    cfg = c.settings
    wall = c.wall_clock  # token expiry, refresh and sign-in throttling follow the wall clock
    return AuthService(
        users=DynamoUserRepository(),
        refresh_tokens=DynamoRefreshTokenStore(),
        attempts=DynamoAttemptCounter(wall),
        hasher=Argon2Hasher(),
        access_tokens=JwtAccessTokens(
            secret=secret_from_secrets_manager(cfg.jwt_secret_name),
            issuer=cfg.jwt_issuer,
            audience=cfg.jwt_audience,
            ttl_s=cfg.access_token_ttl_s,
            clock=wall,
        ),
        clock=wall,
        limits=_login_limits(c),
        refresh_ttl_s=cfg.refresh_token_ttl_s,
        strength=ZxcvbnStrength(),
        emails=c.account_emails,
        sessions=DynamoSessionStore(),
        challenges=DynamoMailTokenStore(),
        step_up=c.require_fresh_code,
    )


def mfa(c: Container) -> MfaService:
    from chalicelib.adapters.dynamo.attempts import DynamoAttemptCounter
    from chalicelib.adapters.dynamo.mfa import DynamoMfaStore
    from chalicelib.adapters.dynamo.users import DynamoMailTokenStore, DynamoUserRepository
    from chalicelib.adapters.kms_cipher import KmsCipher
    from chalicelib.adapters.totp import PyotpCodes, qr_svg_data_uri
    from chalicelib.services.mfa import MfaLimits, MfaService

    cfg = c.settings
    return MfaService(
        users=DynamoUserRepository(),
        store=DynamoMfaStore(),
        cipher=KmsCipher(cfg.kms_key_id, region=cfg.region, endpoint_url=cfg.aws_endpoint_url),
        codes=PyotpCodes(),
        qr=qr_svg_data_uri,
        attempts=DynamoAttemptCounter(c.wall_clock),
        challenges=DynamoMailTokenStore(),
        accounts=c.auth,
        clock=c.wall_clock,
        limits=MfaLimits(
            attempts=int(cfg.extra.get("TRADEBOT_MFA_ATTEMPTS", "5")),
            window_s=int(cfg.extra.get("TRADEBOT_MFA_WINDOW_S", "900")),
        ),
    )


def account_emails(c: Container) -> AccountEmails:
    from chalicelib.adapters.dynamo.users import DynamoMailTokenStore
    from chalicelib.adapters.mail import SesMailer
    from chalicelib.services.account_email import AccountEmails, MailSettings

    extra = c.settings.extra
    return AccountEmails(
        mailer=SesMailer(mail_sender(c.settings)),
        tokens=DynamoMailTokenStore(),
        clock=c.wall_clock,
        settings=MailSettings(
            web_base_url=extra.get("TRADEBOT_WEB_BASE_URL", "http://127.0.0.1:8000"),
            verify_ttl_s=int(extra.get("TRADEBOT_VERIFY_TTL_S", str(24 * 3600))),
            reset_ttl_s=int(extra.get("TRADEBOT_RESET_TTL_S", "1800")),
        ),
    )


def api_keys(c: Container) -> ApiKeyService:
    from chalicelib.adapters.binance.endpoint import BinanceCredentials
    from chalicelib.adapters.binance.keys import BinanceKeyVerifier
    from chalicelib.adapters.kms_cipher import KmsCipher
    from chalicelib.services.api_keys import ApiKeyService

    cfg = c.settings

    def exchange_for(creds: BinanceCredentials, testnet: bool, user_id: str | None = None) -> BinanceSpotExchange:
        return c.binance(creds, testnet=testnet, user_triggered=c.users_share(user_id))

    return ApiKeyService(
        c.ports.api_keys,
        KmsCipher(cfg.kms_key_id, region=cfg.region, endpoint_url=cfg.aws_endpoint_url),
        BinanceKeyVerifier(exchange_for),
        c.ports.bots.uses_key,
        c.clock,
        quotas=c.quotas,
        step_up=c.require_fresh_code,
        audit=c.key_audit,
        egress_ips=tuple(ip for ip in cfg.extra.get("TRADEBOT_EGRESS_IPS", "").split(",") if ip.strip()),
    )


def key_audit(c: Container) -> KeyAuditTrail:
    from chalicelib.bootstrap.trading import notifier
    from chalicelib.services.key_audit import KeyAuditTrail

    return KeyAuditTrail(
        log=c.ports.key_audit,
        keys=c.ports.api_keys,
        pause_bots_using=lambda user_id, key_id, reason: c.bots.pause_using_key(user_id, key_id, reason),
        notifier=lambda: notifier(c),  # type: ignore[arg-type,return-value]
        clock=c.clock,
    )


def notifications(c: Container) -> NotificationService:
    from chalicelib.adapters.dynamo.notifications import DynamoNotificationStore
    from chalicelib.adapters.dynamo.webhook_breaker import DynamoWebhookBreaker
    from chalicelib.adapters.webhooks import UrllibWebhookSender
    from chalicelib.services.notifications import NotificationService

    extra = c.settings.extra
    return NotificationService(
        store=DynamoNotificationStore(),
        targets=c.auth,
        sender=UrllibWebhookSender(c.webhook_policy, deadline_s=float(extra.get("TRADEBOT_WEBHOOK_DEADLINE_S", "5"))),
        clock=c.clock,
        breaker=DynamoWebhookBreaker(
            c.clock,
            threshold=int(extra.get("TRADEBOT_WEBHOOK_BREAKER_FAILURES", "5")),
            cooldown_s=int(extra.get("TRADEBOT_WEBHOOK_BREAKER_COOLDOWN_S", "300")),
        ),
        channels=lambda user_id, kind: c.telegram.channels_for(user_id, kind),
        telegram=lambda message_id, note: c.telegram_alerts.send(message_id, note),
        bot_names=lambda user_id, bot_id: _bot_name(c, user_id, bot_id),
    )


def _bot_name(c: Container, user_id: str, bot_id: str) -> str | None:
    config = c.ports.bots.get(user_id, bot_id)
    return None if config is None else config.name


def account(c: Container) -> AccountService:
    from chalicelib.services.account import AccountService

    cfg = c.settings
    return AccountService(
        passwords=c.auth,
        users=c.auth,
        bots=c.ports.bots,
        states=c.ports.states,
        api_keys=c.api_keys,
        trades=c.trades,
        backtests=c.backtests,
        notifications=c.notifications,
        eraser=c.ports.eraser,
        blobs=c.ports.blobs,
        clock=c.clock,
        trade_retention_days=int(cfg.extra.get("TRADEBOT_DELETED_TRADES_RETENTION_DAYS", "365")),
        export_max_bytes=int(cfg.extra.get("TRADEBOT_EXPORT_MAX_BYTES", "4500000")),
    )
