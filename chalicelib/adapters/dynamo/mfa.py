"""Two-factor state on the user's record, and the sessions-page records in the refresh-tokens table."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from chalicelib.adapters.dynamo.users import RefreshTokenModel, UserModel
from chalicelib.domain.mfa import MfaState, SessionInfo


def _conditional(update: UpdateError) -> bool:
    return update.cause_response_code == "ConditionalCheckFailedException"


class DynamoMfaStore:
    def get(self, user_id: str) -> MfaState:
        try:
            m = UserModel.get(user_id, consistent_read=True)
        except UserModel.DoesNotExist:
            return MfaState()
        return MfaState(
            enabled=bool(m.mfa_enabled),
            secret_ciphertext=bytes(m.mfa_secret) if m.mfa_secret else None,
            pending_ciphertext=bytes(m.mfa_pending) if m.mfa_pending else None,
            last_step=-1 if m.mfa_last_step is None else int(m.mfa_last_step),
            recovery_hashes=frozenset(m.mfa_recovery or ()),
        )

    def set_pending(self, user_id: str, ciphertext: bytes) -> None:
        UserModel(user_id=user_id).update(
            actions=[UserModel.mfa_pending.set(ciphertext)], condition=UserModel.user_id.exists()
        )

    def enable(self, user_id: str, pending: bytes, recovery_hashes: list[str], step: int) -> bool:
        try:
            UserModel(user_id=user_id).update(
                actions=[
                    UserModel.mfa_enabled.set(True),
                    UserModel.mfa_secret.set(pending),
                    UserModel.mfa_pending.remove(),
                    UserModel.mfa_last_step.set(step),
                    UserModel.mfa_recovery.set(set(recovery_hashes)),
                ],
                # A second enrolment started meanwhile replaced the pending secret: that one is not confirmed.
                condition=UserModel.user_id.exists() & (UserModel.mfa_pending == pending),
            )
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def disable(self, user_id: str) -> None:
        UserModel(user_id=user_id).update(
            actions=[
                UserModel.mfa_enabled.set(False),
                UserModel.mfa_secret.remove(),
                UserModel.mfa_pending.remove(),
                UserModel.mfa_recovery.remove(),
            ],
            condition=UserModel.user_id.exists(),
        )

    def claim_step(self, user_id: str, step: int) -> bool:
        try:
            UserModel(user_id=user_id).update(
                actions=[UserModel.mfa_last_step.set(step)],
                condition=UserModel.user_id.exists()
                & (UserModel.mfa_last_step.does_not_exist() | (UserModel.mfa_last_step < step)),
            )
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def use_recovery(self, user_id: str, code_hash: str) -> bool:
        try:
            UserModel(user_id=user_id).update(
                actions=[UserModel.mfa_recovery.delete({code_hash})],
                condition=UserModel.user_id.exists() & UserModel.mfa_recovery.contains(code_hash),
            )
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True


def _to_info(m: RefreshTokenModel) -> SessionInfo:
    return SessionInfo(
        id=str(m.family_id),
        user_id=str(m.user_id),
        started_ms=int(m.session_started_ms or 0),
        last_used_ms=int(m.issued_at_ms or 0),
        expires_at_ms=int(m.expires_at_ms or 0),
        user_agent=(m.user_agent or "").strip(),
    )


class DynamoSessionStore:
    """`ses#<family id>` items; they carry `user_id`, so the by_user index finds them (and account deletion
    removes them with the user's tokens)."""

    def record(self, info: SessionInfo) -> None:
        RefreshTokenModel(pk=f"ses#{info.id}").update(
            actions=[
                RefreshTokenModel.user_id.set(info.user_id),
                RefreshTokenModel.family_id.set(info.id),
                RefreshTokenModel.session_started_ms.set(info.started_ms),
                RefreshTokenModel.issued_at_ms.set(info.last_used_ms),
                RefreshTokenModel.expires_at_ms.set(info.expires_at_ms),
                RefreshTokenModel.expires_at.set(info.expires_at_ms // 1000),
                RefreshTokenModel.user_agent.set(info.user_agent or " "),
            ]
        )

    def get(self, family_id: str) -> SessionInfo | None:
        try:
            return _to_info(RefreshTokenModel.get(f"ses#{family_id}", consistent_read=True))
        except RefreshTokenModel.DoesNotExist:
            return None

    def list(self, user_id: str) -> list[SessionInfo]:
        keys = [
            t.pk
            for t in RefreshTokenModel.by_user.query(user_id, filter_condition=RefreshTokenModel.pk.startswith("ses#"))
        ]
        return [_to_info(m) for m in RefreshTokenModel.batch_get(keys)] if keys else []

    def delete(self, family_id: str) -> None:
        RefreshTokenModel(pk=f"ses#{family_id}").delete()
