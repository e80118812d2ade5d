"""What the command-line tests share."""


def one_error_line(capsys):
    """The CLI's stderr: one line starting with ``sk-stfm: error:`` (asserted)."""
    err = capsys.readouterr().err.strip()
    assert err.startswith("sk-stfm: error:"), err
    assert len(err.splitlines()) == 1, err
    return err
