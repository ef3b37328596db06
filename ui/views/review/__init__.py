"""The Review view (issue #16): a call's hand-ins, a preview, accept / decline / ask a change."""
