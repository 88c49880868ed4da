"""Email that is never lost: the outbox and its sender, the messages (e-ticket, cancellation,
late-payment refund), SMTP delivery, resend limits, and the signed ticket codes the messages and
the door share."""
