/** Fakes of what VS Code provides: a scripted Ui, a status bar item, the globalState store. */
import * as assert from "node:assert/strict";
import { StatusBarItemLike, StatusController } from "../src/statusBar";
import { InputOptions, MessageOptions, PickItem, PickOptions, Severity, Ui } from "../src/ui";

// ------------------------------------------------------------------ the scripted Ui

export type UiEvent =
  | { kind: "pick"; title: string; labels: string[]; descriptions: string[]; chose: string | undefined }
  | { kind: "input"; title: string; prompt: string; value?: string; ignoreFocusOut?: boolean; answer: string | undefined }
  | { kind: "message"; severity: Severity; text: string; modal: boolean; detail?: string; actions: string[]; answer?: string }
  | { kind: "open"; url: string }
  | { kind: "notice"; text: string; url: string; disposed: boolean }
  | { kind: "copy"; text: string }
  | { kind: "progress"; title: string };

type PickStep = { kind: "pick"; title: RegExp; choose: (labels: string[], items: readonly PickItem<unknown>[]) => string | undefined };
type InputStep = { kind: "input"; title: RegExp; answer: (opts: InputOptions) => Promise<string | undefined> | string | undefined };
type Step = PickStep | InputStep;

/**
 * A fake of VS Code's window/env: pickers and input boxes are answered by a script, in
 * order (anything unexpected fails the test); messages are recorded and answered by rules.
 * Like VS Code, an input box does not accept a value its validateInput rejects.
 */
export class ScriptedUi implements Ui {
  readonly events: UiEvent[] = [];
  private readonly steps: Step[] = [];
  private readonly messageRules: Array<{ match: RegExp; answer: string | undefined }> = [];
  onOpen: (url: string) => boolean | Promise<boolean> = () => true;

  /** Next QuickPick: choose the item whose label matches `label` (string = exact, after icons). */
  choose(title: RegExp, label: string | RegExp | undefined): this {
    this.steps.push({
      kind: "pick",
      title,
      choose: (labels) => {
        if (label === undefined) {
          return undefined;
        }
        const found = labels.find((l) => (typeof label === "string" ? plain(l) === label : label.test(plain(l))));
        assert.ok(found, `no item ${String(label)} among ${JSON.stringify(labels)}`);
        return found;
      },
    });
    return this;
  }

  /**
   * Next QuickPick is the Login profile picker: take `name` if it is listed, else
   * "New profile…" and type `name` into the box that follows.
   */
  chooseOrCreate(title: RegExp, name: string): this {
    this.steps.push({
      kind: "pick",
      title,
      choose: (labels) => {
        const found = labels.find((l) => plain(l) === name);
        if (found) {
          return found;
        }
        this.steps.unshift({ kind: "input", title: /new profile/, answer: () => name });
        const create = labels.find((l) => plain(l) === "New profile…");
        assert.ok(create, `neither ${name} nor "New profile…" among ${JSON.stringify(labels)}`);
        return create;
      },
    });
    return this;
  }

  /** Next InputBox: answer with a value (or a function of the box's options). */
  answerInput(title: RegExp, answer: InputStep["answer"] | string | undefined): this {
    this.steps.push({ kind: "input", title, answer: typeof answer === "function" ? answer : () => answer });
    return this;
  }

  /** Messages whose text matches get this button clicked (undefined = dismissed). */
  onMessage(match: RegExp, answer: string | undefined): this {
    this.messageRules.push({ match, answer });
    return this;
  }

  remainingSteps(): number {
    return this.steps.length;
  }

  messages(severity?: Severity): Array<Extract<UiEvent, { kind: "message" }>> {
    return this.events.filter(
      (e): e is Extract<UiEvent, { kind: "message" }> => e.kind === "message" && (!severity || e.severity === severity),
    );
  }

  private nextStep<K extends Step["kind"]>(kind: K, title: string): Extract<Step, { kind: K }> {
    const step = this.steps.shift();
    assert.ok(step, `unexpected ${kind} "${title}" (no step left in the script)`);
    assert.equal(step.kind, kind, `expected a ${step.kind}, got a ${kind} "${title}"`);
    assert.match(title, step.title, `${kind} title`);
    return step as Extract<Step, { kind: K }>;
  }

  async pick<T>(items: readonly PickItem<T>[], options: PickOptions): Promise<T | undefined> {
    const step = this.nextStep("pick", options.title);
    const labels = items.map((i) => i.label);
    const chose = step.choose(labels, items as readonly PickItem<unknown>[]);
    const descriptions = items.map((i) => i.description ?? "");
    this.events.push({ kind: "pick", title: options.title, labels, descriptions, chose });
    return chose === undefined ? undefined : items.find((i) => i.label === chose)?.value;
  }

  async input(options: InputOptions): Promise<string | undefined> {
    const step = this.nextStep("input", options.title);
    const answer = await step.answer(options);
    this.events.push({
      kind: "input",
      title: options.title,
      prompt: options.prompt,
      value: options.value,
      ignoreFocusOut: options.ignoreFocusOut,
      answer,
    });
    if (answer !== undefined && options.validate) {
      const problem = options.validate(answer);
      assert.equal(problem, undefined, `the input box would refuse ${JSON.stringify(answer)}: ${problem}`);
    }
    return answer;
  }

  async message(severity: Severity, text: string, options: MessageOptions, ...actions: string[]): Promise<string | undefined> {
    const rule = this.messageRules.find((r) => r.match.test(text));
    const answer = rule?.answer;
    if (answer !== undefined) {
      assert.ok(actions.includes(answer), `message "${text}" has no button "${answer}" (has ${actions.join(", ")})`);
    }
    this.events.push({ kind: "message", severity, text, modal: !!options.modal, detail: options.detail, actions, answer });
    return answer;
  }

  signInNotice(text: string, url: string): { dispose(): void } {
    const event = { kind: "notice" as const, text, url, disposed: false };
    this.events.push(event);
    return { dispose: () => void (event.disposed = true) };
  }

  async openExternal(url: string): Promise<boolean> {
    this.events.push({ kind: "open", url });
    return this.onOpen(url);
  }

  async copyToClipboard(text: string): Promise<void> {
    this.events.push({ kind: "copy", text });
  }

  async withProgress<R>(title: string, task: () => Promise<R>): Promise<R> {
    this.events.push({ kind: "progress", title });
    return task();
  }
}

/** A QuickPick label without its `$(icon)` prefix. */
export function plain(label: string): string {
  return label.replace(/^\$\([a-z-]+\)\s*/, "");
}

// ------------------------------------------------------------------ status bar fake

export class FakeStatusBarItem implements StatusBarItemLike {
  text = "";
  tooltip: unknown = undefined;
  backgroundColor: unknown = undefined;
  command: unknown = undefined;
  visible = false;
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
}

export function fakeStatusBar(now?: () => Date): { item: FakeStatusBarItem; controller: StatusController } {
  const item = new FakeStatusBarItem();
  const controller = new StatusController(item, { warning: "WARNING", error: "ERROR" }, "awsLogin.statusMenu", now, 0);
  return { item, controller };
}

export class MemoryStore {
  value: string | undefined;
  get(): string | undefined {
    return this.value;
  }
  async set(profile: string): Promise<void> {
    this.value = profile;
  }
}
