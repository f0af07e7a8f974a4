/** Ollama names models "name:tag" and treats a bare name as "name:latest". */
export function canonicalModel(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

export function sameModel(a: string, b: string): boolean {
  return canonicalModel(a) === canonicalModel(b);
}
