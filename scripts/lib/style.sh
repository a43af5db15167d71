# Styled headings for the scripts' own output, only where they show as styles: on a terminal
# (not a pipe, a file or a CI log), unless NO_COLOR is set; FORCE_COLOR (not 0/false) forces them.
# The same rule as the sluice CLI (src/app/color.ts). Source it, then: heading "text".
style_stdout() {
  case "${FORCE_COLOR:-}" in
    '' | 0 | false) ;;
    *) return 0 ;;
  esac
  [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != dumb ] && [ -t 1 ]
}

heading() {
  if style_stdout; then
    printf '\n\033[1m== %s\033[0m\n' "$*"
  else
    printf '\n== %s\n' "$*"
  fi
}
