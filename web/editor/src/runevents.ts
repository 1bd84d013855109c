// The live event stream of a run over its websocket.
import { useEffect, useRef, useState } from "react";
import { runEventsURL } from "./api";
import type { RunEvent } from "./types";

// Reconnect delays in milliseconds: doubling from the first to the last.
const RECONNECT_MIN = 500;
const RECONNECT_MAX = 10_000;

// useRunEvents follows a run's events from seq after, reconnecting with the
// last seen seq until the run finishes or the component unmounts.
export function useRunEvents(runId: string, after: number | null, onEvent: (e: RunEvent) => void) {
  const [connected, setConnected] = useState(true);
  // The latest onEvent handles each message, so the socket is not reopened
  // when the caller renders a new function.
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (after === null) return;
    let lastSeq = after;
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = RECONNECT_MIN;
    let done = false;

    function connect() {
      socket = new WebSocket(runEventsURL(runId, lastSeq));
      socket.onopen = () => {
        delay = RECONNECT_MIN;
        setConnected(true);
      };
      socket.onmessage = (msg) => {
        const event = JSON.parse(String(msg.data)) as RunEvent;
        if (event.seq <= lastSeq) return;
        lastSeq = event.seq;
        handler.current(event);
        if (event.type === "run.finished") done = true;
      };
      socket.onclose = (e) => {
        // The server closes normally after run.finished, or when the run
        // ended without one.
        if (done || e.code === 1000) return;
        setConnected(false);
        timer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, RECONNECT_MAX);
      };
    }
    connect();
    return () => {
      done = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [runId, after]);
  return connected;
}
